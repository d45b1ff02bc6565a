-- Records of authorship (git-ai notes, Agent Trace records) are explicit evidence; the app graded
-- them circumstantial before. Changes graded so whose evidence holds a record go back to
-- unclassified, and the app classifies them again with the code that decides (classify-evidence.ts)
-- before a report reads them. A change with no record keeps its grade.
UPDATE "changes" SET "ai_evidence" = NULL
WHERE "ai" AND "ai_evidence" = 'circumstantial'
  AND ("evidence" LIKE '%"marker":"git-ai/note"%' OR "evidence" LIKE '%"marker":"agent-trace/record"%');
