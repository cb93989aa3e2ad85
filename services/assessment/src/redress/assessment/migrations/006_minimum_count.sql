-- Each tenant's minimum count k (`MinimumCountSet`; 5 until its admin sets it), shared with
-- metrics: breakdowns merge smaller cells, the peer benchmark waits for k members.
ALTER TABLE facts_tenants ADD COLUMN minimum_count integer NOT NULL DEFAULT 5;
