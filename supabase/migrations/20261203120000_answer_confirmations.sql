-- The answers the customer confirmed as right although the quiz found them extreme (crb/quiz/plausibility.py):
-- question id -> the value confirmed. A confirmation holds only while the answer keeps that value; erasing the
-- session's personal data empties it with the answers.

alter table quiz_sessions
    add column confirmations jsonb not null default '{}'::jsonb;

alter table quiz_sessions add constraint quiz_sessions_confirmations_check check (jsonb_typeof(confirmations) = 'object');
