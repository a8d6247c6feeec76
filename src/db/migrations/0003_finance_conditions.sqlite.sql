-- Bank partner conditions per dealer, versioned: every save is a new row.
CREATE TABLE finance_conditions (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  tenant_id BIGINT NOT NULL REFERENCES tenants (id),
  body TEXT NOT NULL,
  valid_from BIGINT NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE INDEX finance_conditions_tenant ON finance_conditions (tenant_id, valid_from);
