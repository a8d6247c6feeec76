-- Stages of the deal pipeline can be removed (crm/deal_store.c): a removed stage keeps
-- its row, so the history of the deals that passed through it still names it and
-- lost deals that ended on it keep their stage; removed_at > 0 takes it off the board.
ALTER TABLE deal_stages ADD COLUMN removed_at BIGINT NOT NULL DEFAULT 0;
