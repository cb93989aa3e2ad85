-- Which grievance a phone number's texts join, written with the filing itself so that a
-- second text finds it at once. The key is an HMAC of the number, never the number.
CREATE TABLE sms_threads (
    tenant       text NOT NULL,
    thread_key   text NOT NULL,
    grievance_id text NOT NULL,
    PRIMARY KEY (tenant, thread_key)
);
