-- Suppliers and systemic issues (redress.cases.supply_chain_views): each supplier's standing
-- and the consequences that led there, and the systemic issues with their cases and plans.
CREATE TABLE suppliers (
    tenant      text NOT NULL,
    site_id     text NOT NULL,
    consequence text NOT NULL,
    decided_on  date NOT NULL,
    PRIMARY KEY (tenant, site_id)
);
CREATE TABLE supplier_consequences (
    tenant      text NOT NULL,
    site_id     text NOT NULL,
    position    bigint NOT NULL,
    consequence text NOT NULL,
    reasons     text NOT NULL,
    case_ids    text[] NOT NULL,
    steps       text[] NOT NULL,
    decided_on  date NOT NULL,
    PRIMARY KEY (tenant, site_id, position)
);
CREATE TABLE systemic_issues (
    issue_id  text PRIMARY KEY,
    tenant    text NOT NULL,
    title     text NOT NULL,
    site_id   text,
    category  text,
    opened_at timestamptz NOT NULL
);
CREATE INDEX systemic_issues_tenant ON systemic_issues (tenant, opened_at);
CREATE TABLE systemic_cases (
    issue_id text NOT NULL,
    case_id  text NOT NULL,
    PRIMARY KEY (issue_id, case_id)
);
CREATE TABLE systemic_actions (
    issue_id    text NOT NULL,
    action_id   text PRIMARY KEY,
    description text NOT NULL,
    owner       text NOT NULL,
    due_on      date
);
