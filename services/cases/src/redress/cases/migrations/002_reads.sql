-- Reads of personal data by staff (PersonalDataRead): who, when, which fields, never content.
CREATE TABLE reads (
    case_id  text NOT NULL,
    position bigint NOT NULL,
    reader   text NOT NULL,
    role     text NOT NULL,
    fields   text[] NOT NULL,
    channel  text NOT NULL,
    time     timestamptz NOT NULL,
    PRIMARY KEY (case_id, position)
);
