package warehouse

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/vnwallet/citizenwallet/sync/protocol"
	"github.com/vnwallet/citizenwallet/wallet"
)

var auditT0 = time.Date(2026, 11, 2, 8, 30, 0, 0, time.UTC)

// auditChain makes a chain of n entries as a store would.
func auditChain(t testing.TB, n int) []AuditEntry {
	t.Helper()
	out := make([]AuditEntry, n)
	prev := make([]byte, AuditHashSize)
	for i := range n {
		e, err := PrepareAudit(AuditEntry{At: auditT0.Add(time.Duration(i) * time.Second), Actor: "agency:vn.x", Action: "ingest",
			Subject: "vn.x", Details: json.RawMessage(fmt.Sprintf(`{"i":%d,"note":"<&> ế"}`, i))}, auditT0)
		if err != nil {
			t.Fatal(err)
		}
		e.Seq, e.Prev = int64(i+1), prev
		e.Hash = e.ComputeHash()
		prev = e.Hash
		out[i] = e
	}
	return out
}

// rehash recomputes an entry's hash, as a forger who knows the format
// does.
func rehash(e AuditEntry) AuditEntry {
	e.Hash = e.ComputeHash()
	return e
}

// brokenAt asserts err is an *AuditChainError at seq.
func brokenAt(t *testing.T, what string, err error, seq int64) {
	t.Helper()
	var ce *AuditChainError
	switch {
	case !errors.Is(err, ErrAuditChain) || !errors.As(err, &ce):
		t.Errorf("%s: %v, want an AuditChainError (ErrAuditChain)", what, err)
	case ce.Seq != seq:
		t.Errorf("%s: broken at seq %d (%v), want seq %d", what, ce.Seq, err, seq)
	case !strings.Contains(err.Error(), fmt.Sprintf("seq %d", seq)):
		t.Errorf("%s: the message %q does not name seq %d", what, err, seq)
	}
}

// TestComputeHashEncoding checks the hash against the canonical encoding
// built by hand from its description in ComputeHash's doc.
func TestComputeHashEncoding(t *testing.T) {
	e := AuditEntry{Seq: 7, At: time.Date(2026, 11, 2, 8, 30, 0, 123456000, time.UTC), Actor: "agency:vn.dongnai.soyte",
		Action: "ingest", Subject: "vn.dongnai.soyte", Details: json.RawMessage(`{"key":"k1"}`), Prev: bytes.Repeat([]byte{0xab}, 32)}
	var enc []byte
	field := func(b []byte) {
		enc = binary.BigEndian.AppendUint64(enc, uint64(len(b)))
		enc = append(enc, b...)
	}
	field([]byte("citizenwallet/warehouse/audit/v1"))
	field(binary.BigEndian.AppendUint64(nil, 7))
	field(binary.BigEndian.AppendUint64(nil, uint64(e.At.UnixMicro())))
	field([]byte(e.Actor))
	field([]byte(e.Action))
	field([]byte(e.Subject))
	field(e.Details)
	field(e.Prev)
	want := sha256.Sum256(enc)
	if got := e.ComputeHash(); !bytes.Equal(got, want[:]) {
		t.Fatalf("ComputeHash = %x, the documented encoding hashes to %x", got, want)
	}
	// A known answer, so a change of the encoding cannot go unnoticed
	// (every stored chain would stop verifying).
	const known = "d810d324e177f3243181e965bb627f8ffac7df5be26f498b217fb5cbafcf06b5"
	if got := hex.EncodeToString(e.ComputeHash()); got != known {
		t.Fatalf("ComputeHash of the vector = %s, want %s: the canonical encoding changed", got, known)
	}
	// Hash is not covered; every other field is.
	e.Hash = []byte("anything")
	if !bytes.Equal(e.ComputeHash(), want[:]) {
		t.Error("Hash changes ComputeHash")
	}
	for name, edit := range map[string]func(e *AuditEntry){
		"seq":     func(e *AuditEntry) { e.Seq++ },
		"at":      func(e *AuditEntry) { e.At = e.At.Add(time.Microsecond) },
		"actor":   func(e *AuditEntry) { e.Actor += "x" },
		"action":  func(e *AuditEntry) { e.Action = "ingesT" },
		"subject": func(e *AuditEntry) { e.Subject = "" },
		"details": func(e *AuditEntry) { e.Details = json.RawMessage(`{"key":"k2"}`) },
		"prev":    func(e *AuditEntry) { e.Prev = bytes.Repeat([]byte{0xac}, 32) },
		// Moving bytes between fields changes the encoding too.
		"actor/action boundary": func(e *AuditEntry) { e.Actor, e.Action = e.Actor+"i", strings.TrimPrefix(e.Action, "i") },
	} {
		c := e
		edit(&c)
		if bytes.Equal(c.ComputeHash(), want[:]) {
			t.Errorf("a change of %s leaves the hash as it was", name)
		}
	}
}

func TestVerifyAuditChain(t *testing.T) {
	good := auditChain(t, 6)
	if err := VerifyAuditChain(nil, good); err != nil {
		t.Fatalf("a good chain: %v", err)
	}
	if err := VerifyAuditChain(make([]byte, AuditHashSize), good); err != nil {
		t.Fatalf("a good chain from the zero hash: %v", err)
	}
	if err := VerifyAuditChain(nil, nil); err != nil {
		t.Fatalf("no entries: %v", err)
	}
	// A run in the middle verifies from the hash of the entry before it.
	if err := VerifyAuditChain(good[1].Hash, good[2:5]); err != nil {
		t.Fatalf("entries 3..5 after entry 2: %v", err)
	}
	brokenAt(t, "entries 3..5 after entry 1", VerifyAuditChain(good[0].Hash, good[2:5]), 3)
	brokenAt(t, "entries 3..5 as the start of the log", VerifyAuditChain(nil, good[2:5]), 1)
	if err := VerifyAuditChain([]byte("short"), good); err == nil || errors.Is(err, ErrAuditChain) {
		t.Errorf("a previous hash of 5 bytes: %v, want a usage error", err)
	}

	clone := func() []AuditEntry {
		out := make([]AuditEntry, len(good))
		copy(out, good)
		return out
	}
	forged := func(seq int64, prev []byte) AuditEntry {
		return rehash(AuditEntry{Seq: seq, At: auditT0, Actor: "operator:mallory", Action: "admin-issue", Subject: "079203000001",
			Details: json.RawMessage(`{"record":"r-1"}`), Prev: prev})
	}
	for _, c := range []struct {
		name   string
		tamper func() []AuditEntry
		seq    int64
	}{
		{"details of entry 3 edited", func() []AuditEntry {
			es := clone()
			es[2].Details = json.RawMessage(`{"i":99,"note":"<&> ế"}`)
			return es
		}, 3},
		{"actor of entry 3 edited", func() []AuditEntry { es := clone(); es[2].Actor = "agency:vn.y"; return es }, 3},
		{"time of entry 3 moved by a microsecond", func() []AuditEntry { es := clone(); es[2].At = es[2].At.Add(time.Microsecond); return es }, 3},
		{"hash of entry 3 cut short", func() []AuditEntry { es := clone(); es[2].Hash = es[2].Hash[:16]; return es }, 3},
		{"entry 3 edited, its hash recomputed", func() []AuditEntry {
			es := clone()
			es[2].Subject = "vn.y"
			es[2] = rehash(es[2])
			return es
		}, 4},
		{"entry 3 renumbered", func() []AuditEntry { es := clone(); es[2].Seq = 33; return es }, 3},
		{"entry 3 deleted", func() []AuditEntry { es := clone(); return append(es[:2], es[3:]...) }, 3},
		{"entry 1 deleted", func() []AuditEntry { return clone()[1:] }, 1},
		{"entry 3 deleted, the rest renumbered and rehashed", func() []AuditEntry {
			es := clone()
			es = append(es[:2], es[3:]...)
			for i := 2; i < len(es); i++ {
				es[i].Seq = int64(i + 1)
				es[i] = rehash(es[i])
			}
			return es
		}, 3},
		{"entries 2 and 3 swapped", func() []AuditEntry { es := clone(); es[1], es[2] = es[2], es[1]; return es }, 2},
		{"entries 2 and 3 swapped, renumbered and rehashed", func() []AuditEntry {
			es := clone()
			es[1], es[2] = es[2], es[1]
			es[1].Seq, es[2].Seq = 2, 3
			es[1], es[2] = rehash(es[1]), rehash(es[2])
			return es
		}, 2},
		{"a forged entry with a correct hash inserted after entry 2", func() []AuditEntry {
			es := clone()
			return append(es[:2:2], append([]AuditEntry{forged(3, good[1].Hash)}, es[2:]...)...)
		}, 4},
		{"a forged entry inserted, the rest renumbered and rehashed", func() []AuditEntry {
			es := clone()
			es = append(es[:2:2], append([]AuditEntry{forged(3, good[1].Hash)}, es[2:]...)...)
			for i := 3; i < len(es); i++ {
				es[i].Seq = int64(i + 1)
				es[i] = rehash(es[i])
			}
			return es
		}, 4},
		{"a forged entry replacing entry 3", func() []AuditEntry { es := clone(); es[2] = forged(3, good[1].Hash); return es }, 4},
		{"a forged first entry", func() []AuditEntry {
			es := clone()
			es[0] = forged(1, make([]byte, AuditHashSize))
			return es
		}, 2},
		{"a first entry chained after something", func() []AuditEntry { es := clone(); es[0].Prev = good[3].Hash; es[0] = rehash(es[0]); return es }, 1},
	} {
		brokenAt(t, c.name, VerifyAuditChain(nil, c.tamper()), c.seq)
	}

	// What the chain cannot see by itself: the last entries cut off, or
	// the chain rewritten from an entry onwards. Both verify; only the
	// head hash kept elsewhere shows them.
	head := good[5].Hash
	if err := VerifyAuditChain(nil, good[:4]); err != nil {
		t.Errorf("a log cut after entry 4: %v (undetectable without the head)", err)
	}
	rewritten := clone()
	rewritten[2].Details = json.RawMessage(`{"i":2,"note":"rewritten"}`)
	for i := 2; i < len(rewritten); i++ {
		rewritten[i].Prev = rewritten[i-1].Hash
		rewritten[i] = rehash(rewritten[i])
	}
	if err := VerifyAuditChain(nil, rewritten); err != nil {
		t.Errorf("a chain rewritten from entry 3 on: %v (undetectable without the head)", err)
	}
	if bytes.Equal(rewritten[5].Hash, head) {
		t.Error("the rewritten chain has the old head")
	}
}

func TestPrepareAudit(t *testing.T) {
	now := auditT0.Add(time.Hour)
	e, err := PrepareAudit(AuditEntry{Actor: "system", Action: "start", Seq: 5, Prev: []byte("x"), Hash: []byte("y"),
		Details: json.RawMessage("\n{ \"a\" : [1, 2],\t\"b\": \"x y\" }\n")}, now)
	if err != nil {
		t.Fatal(err)
	}
	if !e.At.Equal(now) || e.Seq != 0 || e.Prev != nil || e.Hash != nil || string(e.Details) != `{"a":[1,2],"b":"x y"}` {
		t.Errorf("PrepareAudit = %+v (details %s)", e, e.Details)
	}
}

func TestAuditBatchDetails(t *testing.T) {
	writes := []Write{
		{CitizenID: "079203000001", Op: protocol.OpIssue, Record: wallet.Record{ID: "r-1", Version: 1, Claims: wallet.Claims{"full_name": "Nguyễn Văn An"}}},
		{CitizenID: "079203000001", Op: protocol.OpCorrect, Record: wallet.Record{ID: "r-2", Version: 0}},
		{CitizenID: "079203000002", Op: protocol.OpWithdraw, Record: wallet.Record{ID: "r-3"}},
		{CitizenID: "079203000003", Op: protocol.OpIssue, Record: wallet.Record{ID: "r-4", Version: 1}},
		{CitizenID: "079203000004", Op: protocol.OpCorrect, Record: wallet.Record{ID: "r-5", Version: 2}},
	}
	items := []ItemResult{
		{Entry: Entry{Seq: 4, Record: wallet.Record{ID: "r-1", Version: 1}}},
		{Err: refuse(protocol.ErrCodeTypeChanged, wallet.ErrInvalid, "record r-2 has type a, not b (claim value: secret)")},
		{Entry: Entry{Seq: 2, Record: wallet.Record{ID: "r-3", Version: 3}}, Duplicate: true},
		{Err: fmt.Errorf("postgres: %w", ErrUnknownCitizen)},
		{Err: errors.New("[bad_request] a stored message that only looks like a code")},
	}
	got, err := AuditBatchDetails(json.RawMessage(`{"key":"k1","operations":5}`), writes, items)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"key":"k1","operations":5,"items":[` +
		`{"citizen":"079203000001","op":"issue","record":"r-1","version":1,"seq":4,"status":"stored"},` +
		`{"citizen":"079203000001","op":"correct","record":"r-2","version":0,"status":"refused","error":"type_changed"},` +
		`{"citizen":"079203000002","op":"withdraw","record":"r-3","version":3,"seq":2,"status":"duplicate"},` +
		`{"citizen":"079203000003","op":"issue","record":"r-4","version":1,"status":"refused","error":"unknown_citizen"},` +
		`{"citizen":"079203000004","op":"correct","record":"r-5","version":2,"status":"refused","error":"invalid_record"}]}`
	if string(got) != want {
		t.Errorf("details:\n got  %s\n want %s", got, want)
	}
	if bytes.Contains(got, []byte("Nguyễn")) || bytes.Contains(got, []byte("secret")) {
		t.Errorf("details hold a claim value or an error's text: %s", got)
	}
	if got, err := AuditBatchDetails(json.RawMessage(`{}`), nil, nil); err != nil || string(got) != `{"items":[]}` {
		t.Errorf("an empty batch: %s, %v", got, err)
	}
	if _, err := AuditBatchDetails(json.RawMessage(`{"items":1}`), nil, nil); !errors.Is(err, wallet.ErrInvalid) {
		t.Errorf("details with items: %v, want wallet.ErrInvalid", err)
	}
	if _, err := AuditBatchDetails(json.RawMessage(`{}`), writes, items[:1]); err == nil {
		t.Error("results that do not match the writes: no error")
	}
}

// auditLogStore is a Store whose only working method is AuditLog (all
// ExportAudit calls).
type auditLogStore struct {
	Store
	entries []AuditEntry
}

func (s auditLogStore) AuditLog(_ context.Context, after int64, limit int) ([]AuditEntry, error) {
	var out []AuditEntry
	for _, e := range s.entries {
		if e.Seq > after && len(out) < limit {
			out = append(out, e)
		}
	}
	return out, nil
}

// export runs ExportAudit over entries.
func export(t testing.TB, entries []AuditEntry) ([]byte, int, []byte, error) {
	t.Helper()
	var b bytes.Buffer
	n, head, err := ExportAudit(context.Background(), auditLogStore{entries: entries}, &b)
	return b.Bytes(), n, head, err
}

func TestExportAudit(t *testing.T) {
	const n = 2*auditExportPage + 17 // several pages
	es := auditChain(t, n)
	out, got, head, err := export(t, es)
	if err != nil || got != n || !bytes.Equal(head, es[n-1].Hash) {
		t.Fatalf("ExportAudit = %d, %x, %v; want %d, %x", got, head, err, n, es[n-1].Hash)
	}
	lines := strings.Split(strings.TrimSuffix(string(out), "\n"), "\n")
	if len(lines) != n {
		t.Fatalf("%d lines for %d entries", len(lines), n)
	}
	wantFirst := fmt.Sprintf(`{"seq":1,"at":"2026-11-02T08:30:00Z","actor":"agency:vn.x","action":"ingest","subject":"vn.x","details":{"i":0,"note":"<&> ế"},"prev":"%s","hash":"%s"}`,
		strings.Repeat("0", 64), hex.EncodeToString(es[0].Hash))
	if lines[0] != wantFirst {
		t.Errorf("first line:\n got  %s\n want %s", lines[0], wantFirst)
	}
	vn, vhead, err := VerifyAuditExport(bytes.NewReader(out))
	if err != nil || vn != n || !bytes.Equal(vhead, head) {
		t.Fatalf("VerifyAuditExport = %d, %x, %v; want %d, %x", vn, vhead, err, n, head)
	}

	// An empty log: an empty file, the zero head.
	out, got, head, err = export(t, nil)
	if err != nil || got != 0 || len(out) != 0 || !bytes.Equal(head, make([]byte, AuditHashSize)) {
		t.Errorf("empty log: %q, %d, %x, %v", out, got, head, err)
	}
	if vn, vhead, err := VerifyAuditExport(bytes.NewReader(nil)); err != nil || vn != 0 || !bytes.Equal(vhead, head) {
		t.Errorf("VerifyAuditExport of nothing = %d, %x, %v", vn, vhead, err)
	}

	// A stored log that does not verify is still exported whole, and the
	// export says where it breaks.
	bad := auditChain(t, 1500)
	bad[1200].Details = json.RawMessage(`{"i":1200,"note":"edited"}`)
	out, got, _, err = export(t, bad)
	brokenAt(t, "export of an edited log", err, 1201)
	if got != 1500 || bytes.Count(out, []byte("\n")) != 1500 {
		t.Errorf("export of an edited log: %d entries, %d lines; want all 1500", got, bytes.Count(out, []byte("\n")))
	}
	_, _, err = VerifyAuditExport(bytes.NewReader(out))
	brokenAt(t, "verify the export of an edited log", err, 1201)
}

func TestVerifyAuditExportTampered(t *testing.T) {
	out, _, _, err := export(t, auditChain(t, 6))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(string(out), "\n")[:6]
	join := func(ls ...string) string { return strings.Join(ls, "") }
	edit := func(i int, old, new string) []string {
		ls := append([]string(nil), lines...)
		if !strings.Contains(ls[i], old) {
			t.Fatalf("line %d has no %q", i+1, old)
		}
		ls[i] = strings.Replace(ls[i], old, new, 1)
		return ls
	}
	for _, c := range []struct {
		name string
		file string
		seq  int64
	}{
		{"details of line 3 edited", join(edit(2, `"i":2`, `"i":7`)...), 3},
		{"details of line 3 respaced", join(edit(2, `"i":2,`, `"i": 2,`)...), 3},
		{"details of line 3 HTML-escaped", join(edit(2, `<&>`, `\u003c&>`)...), 3},
		{"subject of line 3 edited", join(edit(2, `"subject":"vn.x"`, `"subject":"vn.y"`)...), 3},
		{"time of line 3 edited", join(edit(2, `08:30:02Z`, `08:30:02.000001Z`)...), 3},
		{"hash of line 3 not hex", join(edit(2, `"hash":"`, `"hash":"zz`)...), 3},
		{"an unknown member in line 3", join(edit(2, `"seq":3,`, `"seq":3,"extra":1,`)...), 3},
		{"line 3 deleted", join(lines[0], lines[1], lines[3], lines[4], lines[5]), 3},
		{"lines 2 and 3 swapped", join(lines[0], lines[2], lines[1], lines[3], lines[4], lines[5]), 2},
		{"line 3 doubled", join(lines[0], lines[1], lines[2], lines[2], lines[3], lines[4], lines[5]), 4},
		{"an empty line after line 2", join(lines[0], lines[1], "\n", lines[2], lines[3], lines[4], lines[5]), 3},
		{"two values on line 3", join(lines[0], lines[1], strings.TrimSuffix(lines[2], "\n")+" {}\n", lines[3]), 3},
		{"line 4 cut short", join(lines[0], lines[1], lines[2], lines[3][:40]), 4},
		{"not an export", "hello\n", 1},
	} {
		_, _, err := VerifyAuditExport(strings.NewReader(c.file))
		brokenAt(t, c.name, err, c.seq)
	}
	// The last line without its newline is still the whole file.
	if n, _, err := VerifyAuditExport(strings.NewReader(strings.TrimSuffix(join(lines...), "\n"))); err != nil || n != 6 {
		t.Errorf("an export without its final newline: %d, %v", n, err)
	}
}

// FuzzVerifyAuditExport: any bytes are a verified export or an error,
// never a panic; what verifies is a chain from seq 1 of as many entries
// as it has lines.
func FuzzVerifyAuditExport(f *testing.F) {
	out, _, _, err := export(f, auditChain(f, 4))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(out)
	f.Add(out[:len(out)/2])
	f.Add([]byte(`{"seq":1}` + "\n"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		n, head, err := VerifyAuditExport(bytes.NewReader(b))
		if err != nil {
			return
		}
		if lines := bytes.Count(bytes.TrimSuffix(b, []byte("\n")), []byte("\n")) + 1; len(b) > 0 && n != lines {
			t.Fatalf("verified %d entries in %d lines", n, lines)
		}
		if len(head) != AuditHashSize {
			t.Fatalf("head of %d bytes", len(head))
		}
	})
}
