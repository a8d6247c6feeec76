-- Days the dealer closes beyond the public holidays (company holidays, a trade fair):
-- no test-drive slots are offered on them (testdrive/slots.c). "YYYY-MM-DD" Berlin
-- calendar days separated by commas, sorted; "" = none.
ALTER TABLE test_drive_settings ADD COLUMN closed_days TEXT NOT NULL DEFAULT '';
