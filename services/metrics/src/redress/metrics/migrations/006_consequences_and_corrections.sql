-- What an initiative decided about a supplier (a site): corrective action, suspension, exit
-- or reinstatement, and on which day; counted in the callback programme's figures by the
-- site's country. No reasons or steps: only the code and the date.
CREATE TABLE consequences (
    tenant      text NOT NULL,
    position    bigint PRIMARY KEY,
    site        text NOT NULL,
    consequence text NOT NULL,
    decided_on  date NOT NULL
);
CREATE INDEX consequences_by_tenant ON consequences (tenant);
