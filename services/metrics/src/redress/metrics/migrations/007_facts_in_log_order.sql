-- The facts are read one tenant at a time in the log's order (the ledger), and written in
-- that order: keyed by (tenant, position, seq), each batch's rows go to the end of the one
-- index they need, where the index by grievance took an insertion at a random place for
-- every row and served no query.
ALTER TABLE facts DROP CONSTRAINT facts_pkey, ADD PRIMARY KEY (tenant, position, seq);
DROP INDEX facts_by_tenant;
