-- Supabase serves every table in the public schema through its REST API to the `anon` and `authenticated`
-- roles, and `anon`'s key ships in any Supabase front end. None of these tables is for them: row-level security
-- is on with no policy, so those roles read and write nothing. The table owner and the service role (what the
-- edge and the worker connect as) bypass it. A new table gets the same line (tests/crb/test_row_level_security.py
-- checks every public table).

alter table quiz_sessions enable row level security;
alter table reports enable row level security;
alter table emails enable row level security;
alter table stripe_events enable row level security;
alter table job_outbox enable row level security;
alter table job_runs enable row level security;

-- And no privileges either, where Supabase's roles exist (on a plain Postgres they do not).
do $$
declare
    r text;
begin
    foreach r in array array['anon', 'authenticated'] loop
        if exists (select 1 from pg_roles where rolname = r) then
            execute format('revoke all on all tables in schema public from %I', r);
            execute format('revoke all on all sequences in schema public from %I', r);
        end if;
    end loop;
end
$$;
