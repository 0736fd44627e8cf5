-- 0005: status-list entries in a keyed order (sync/warehouse/statusorder.go):
-- the n-th entry of a list is at a secret permutation of n. A list that
-- already has entries keeps filling in issuance order, since an index it
-- gave must not be given again; the lists after it are permuted.
-- ordered_from is the first list of the agency in the keyed order.
ALTER TABLE status_heads ADD COLUMN ordered_from integer NOT NULL DEFAULT 0;
UPDATE status_heads SET ordered_from = list + 1 WHERE next > 0;
