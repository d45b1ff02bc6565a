// The fake GitHub moved to src/demo (the offline demo ships it); tests keep importing it from here.
export * from "../../src/demo/fake-github.js";
