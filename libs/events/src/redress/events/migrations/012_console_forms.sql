-- The forms of staff consoles already sent. Each page of a console carries a token its forms
-- send once (`redress.kit.console`): a double click, a resent form or a reloaded answer
-- changes nothing twice. Nothing here says who sent what: a random value and when.
CREATE SCHEMA IF NOT EXISTS consoles;
CREATE TABLE IF NOT EXISTS consoles.sent_forms (
    nonce   text PRIMARY KEY,
    sent_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS sent_forms_age ON consoles.sent_forms (sent_at);
GRANT USAGE ON SCHEMA consoles TO redress_service;
GRANT SELECT, INSERT, DELETE ON consoles.sent_forms TO redress_service;
