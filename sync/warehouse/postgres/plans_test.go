package postgres_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/vnwallet/citizenwallet/sync/protocol"
	"github.com/vnwallet/citizenwallet/sync/warehouse"
	"github.com/vnwallet/citizenwallet/sync/warehouse/postgres"
	"github.com/vnwallet/citizenwallet/wallet/sample"
)

// TestQueryPlans checks that no statement of the store reads a table
// whole: with sequential scans disabled (so the planner takes an index
// whenever one can serve), every table a plan touches is read through an
// index with a condition. A full index scan (no Index Cond) fails too.
// That is what keeps a request's cost independent of the province's size.
func TestQueryPlans(t *testing.T) {
	dsn := freshDSN(t)
	s := openDSN(t, dsn)
	var cs []warehouse.CitizenRecords
	for i := range 200 {
		cs = append(cs, loadOf(i, 5))
	}
	if _, err := s.Load(ctx, cs); err != nil {
		t.Fatal(err)
	}
	id := cs[7].Profile.CitizenID
	now := time.Now()
	if err := s.PutCode(ctx, warehouse.Code{Hash: "h", CitizenID: id, Expires: now.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if err := s.Enrol(ctx, "h", warehouse.Device{ID: "d", CitizenID: id, EnrolledAt: now}); err != nil {
		t.Fatal(err)
	}
	if err := s.UseNonce(ctx, "d", "n", now.Add(time.Minute), now); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Redeem(ctx, id, true, protocol.AccessEntry{ConsentID: "c", UsedAt: now}); err != nil {
		t.Fatal(err)
	}
	// Revocations of several citizens and audiences, some listed, some
	// expired, so that the planner has a spread of each index to weigh.
	lim := warehouse.RevocationLimits{Live: 100, PerHour: 100}
	for i, c := range cs[:50] {
		var rs []warehouse.Revocation
		for j := range 4 {
			dev, consent := fmt.Sprintf("dev-%d", i), fmt.Sprintf("c-%d", j)
			rs = append(rs, warehouse.Revocation{ID: dev + "/" + consent, ConsentID: consent, Device: dev, Audience: fmt.Sprintf("vn.agency%d", (i+j)%7),
				Listed: j != 3, GivenAt: now.Add(-time.Hour), RevokedAt: now, Expires: now.Add(time.Duration(j-1) * time.Hour), Received: now})
		}
		if _, err := s.PutRevocations(ctx, c.Profile.CitizenID, rs, lim, now); err != nil {
			t.Fatal(err)
		}
	}
	for range 3 {
		if _, err := s.AppendAudit(ctx, warehouse.AuditEntry{Actor: "system", Action: "plan"}); err != nil {
			t.Fatal(err)
		}
	}

	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "ANALYZE"); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, "SET enable_seqscan = off"); err != nil {
		t.Fatal(err)
	}
	other := sample.Profile(8).CitizenID
	args := map[string][]any{
		"feed":                 {id, int64(2), 100},
		"latest":               {id},
		"lock citizens":        {[]string{id, other}},
		"stored versions":      {[]string{id, other}, []string{"load-1", "load-2"}, []int32{1, 1}},
		"latest versions":      {[]string{id, other}, []string{"load-1", "load-2"}},
		"version exists":       {id, "load-1", int32(1)},
		"bump heads":           {[]string{id}, []int64{1}},
		"replay entries":       {[]string{id, other}, []int64{1, 2}},
		"citizens":             {id, 100},
		"devices":              {id},
		"purge nonces":         {now, 5000},
		"purge codes":          {now, 5000},
		"credentials":          {"d", []string{"load-1"}, []int32{1}},
		"revoked since":        {"vn.agency3", int64(20), now, 100},
		"revocation":           {"dev-7/c-1"},
		"lock revocation head": nil,
		"put revocations": {id, []string{"dev-7/c-1", "dev-7/c-9"}, []string{"c-1", "c-9"}, []string{"dev-7", "dev-7"}, []string{"vn.agency1", "vn.agency2"},
			[]bool{true, false}, []time.Time{now, now}, []time.Time{now, now}, []time.Time{now.Add(time.Hour), now.Add(time.Hour)}, []time.Time{now, now},
			now, now.Add(-time.Hour), 100, 100},
		"purge revocations": {now, 5000},
		"access log":        {id, int64(0), 11},
		"audit log":         {int64(1), 100},
		"lock audit head":   nil,
		"bump audit head":   {int64(2), make([]byte, 32), int64(1)},
	}
	for name, q := range postgres.Queries {
		a, ok := args[name]
		if !ok {
			t.Errorf("%s: no arguments to explain it with", name)
			continue
		}
		var plan []struct {
			Plan planNode `json:"Plan"`
		}
		var raw []byte
		if err := conn.QueryRow(ctx, "EXPLAIN (FORMAT JSON) "+q, a...).Scan(&raw); err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if err := json.Unmarshal(raw, &plan); err != nil || len(plan) != 1 {
			t.Fatalf("%s: %v", name, err)
		}
		var bad []string
		plan[0].Plan.walk(func(n *planNode) {
			switch {
			case n.Type == "Seq Scan":
				bad = append(bad, "Seq Scan on "+n.Relation)
			case strings.Contains(n.Type, "Index") && n.IndexCond == "":
				bad = append(bad, fmt.Sprintf("%s using %s without a condition", n.Type, n.Index))
			}
		})
		if len(bad) > 0 {
			t.Errorf("%s reads a whole table: %s\n%s", name, strings.Join(bad, "; "), raw)
		}
	}
}

type planNode struct {
	Type      string     `json:"Node Type"`
	Relation  string     `json:"Relation Name"`
	Index     string     `json:"Index Name"`
	IndexCond string     `json:"Index Cond"`
	Plans     []planNode `json:"Plans"`
}

func (n *planNode) walk(f func(*planNode)) {
	f(n)
	for i := range n.Plans {
		n.Plans[i].walk(f)
	}
}
