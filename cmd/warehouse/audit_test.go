package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/vnwallet/citizenwallet/cmd/internal/cli"
	"github.com/vnwallet/citizenwallet/sync/warehouse"
	"github.com/vnwallet/citizenwallet/sync/warehouse/embedded"
	"github.com/vnwallet/citizenwallet/sync/warehouse/postgres"
	"github.com/vnwallet/citizenwallet/sync/warehouse/postgres/pgtest"
	"github.com/vnwallet/citizenwallet/wallet"
	"github.com/vnwallet/citizenwallet/wallet/sample"
)

// runAudit runs `warehouse audit args...` and returns its exit code as
// runEnv would make it, and its output.
func runAudit(t *testing.T, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var o, e bytes.Buffer
	env := &env{ctx: context.Background(), stdin: strings.NewReader(stdin), stdout: &o, stderr: &e, getenv: func(string) string { return "" }}
	err := cmdAudit(env, args)
	switch ce, ok := cli.As(err); {
	case err == nil:
		code = exitOK
	case ok:
		code = ce.Code
		fmt.Fprintln(&e, ce.Msg)
	default:
		code = exitFailure
		fmt.Fprintln(&e, err)
	}
	return code, o.String(), e.String()
}

// fillAudit writes an audit log of four entries (one with an audited
// batch) to st.
func fillAudit(t *testing.T, st warehouse.Store) {
	t.Helper()
	p := sample.Profile(0)
	if err := st.PutCitizens(context.Background(), []wallet.Profile{p}); err != nil {
		t.Fatal(err)
	}
	for i, e := range []warehouse.AuditEntry{
		{Actor: "system", Action: "start", Subject: "vn.dongnai"},
		{Actor: "operator:lan", Action: "enrolment-code", Subject: p.CitizenID, Details: json.RawMessage(`{"expires":"2026-11-02T08:45:00Z"}`)},
		{Actor: "commune:tan-phong", Action: "device-revoke", Subject: p.CitizenID, Details: json.RawMessage(`{"device":"d-1"}`)},
	} {
		if _, err := st.AppendAudit(context.Background(), e); err != nil {
			t.Fatalf("entry %d: %v", i, err)
		}
	}
	r := sample.Record(wallet.Types()[0], 0)
	_, err := st.Append(context.Background(), warehouse.Batch{Agency: r.Issuer,
		Audit:  &warehouse.AuditEntry{Actor: "agency:" + r.Issuer, Action: "ingest", Subject: r.Issuer},
		Writes: []warehouse.Write{{CitizenID: p.CitizenID, Record: r, Digest: []byte("d"), Op: "issue"}}}, nil)
	if err != nil {
		t.Fatal(err)
	}
}

var headLine = regexp.MustCompile(`head (\d+):([0-9a-f]{64})`)

// head is the SEQ:HASH an audit command printed.
func head(t *testing.T, out string) string {
	t.Helper()
	m := headLine.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no head in %q", out)
	}
	return m[1] + ":" + m[2]
}

func TestAuditExportVerify(t *testing.T) {
	dir := t.TempDir()
	st, err := embedded.Open(filepath.Join(dir, "db"))
	if err != nil {
		t.Fatal(err)
	}
	fillAudit(t, st)

	// While the store is open (a server runs on it) the export says so.
	file := filepath.Join(dir, "audit.jsonl")
	if code, _, stderr := runAudit(t, "", "export", "-data", dir, "-o", file); code != exitFailure || !strings.Contains(stderr, "one process at a time") {
		t.Errorf("export of a store in use: %d %q", code, stderr)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}

	code, _, stderr := runAudit(t, "", "export", "-data", dir, "-o", file)
	if code != exitOK {
		t.Fatalf("export: %d %s", code, stderr)
	}
	kept := head(t, stderr)
	if !strings.HasPrefix(kept, "4:") {
		t.Errorf("export head %s, want seq 4", kept)
	}
	fi, err := os.Stat(file)
	if err != nil {
		t.Fatal(err)
	}
	if runtime.GOOS != "windows" && fi.Mode().Perm() != 0o600 {
		t.Errorf("export file mode %v, want 0600 (it holds citizen numbers)", fi.Mode().Perm())
	}
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if n := bytes.Count(raw, []byte("\n")); n != 4 {
		t.Fatalf("%d lines, want 4:\n%s", n, raw)
	}
	if !bytes.Contains(raw, []byte(`"items":[{"citizen":"`)) {
		t.Errorf("the audited batch's outcomes are not in the export:\n%s", raw)
	}
	// To stdout by default.
	if code, stdout, _ := runAudit(t, "", "export", "-data", dir); code != exitOK || stdout != string(raw) {
		t.Errorf("export to stdout: %d, %d bytes, want the file's %d", code, len(stdout), len(raw))
	}

	code, stdout, stderr := runAudit(t, "", "verify", file)
	if code != exitOK || head(t, stdout) != kept {
		t.Fatalf("verify: %d %q %q", code, stdout, stderr)
	}
	if code, stdout, _ := runAudit(t, string(raw), "verify", "-"); code != exitOK || head(t, stdout) != kept {
		t.Errorf("verify from stdin: %d %q", code, stdout)
	}
	// Against a head kept before: the head itself, an earlier entry's,
	// and one the export does not hold.
	lines := strings.SplitAfter(string(raw), "\n")
	var second struct {
		Hash string `json:"hash"`
	}
	json.Unmarshal([]byte(lines[1]), &second)
	for _, c := range []struct {
		head string
		code int
	}{
		{kept, exitOK},
		{"2:" + second.Hash, exitOK},
		{"0:" + strings.Repeat("0", 64), exitOK},
		{"3:" + second.Hash, exitInvalid},
		{"9:" + second.Hash, exitInvalid},
		{"2:beef", exitUsage},
		{"two:" + second.Hash, exitUsage},
	} {
		if code, _, stderr := runAudit(t, "", "verify", "-head", c.head, file); code != c.code {
			t.Errorf("verify -head %s: %d %q, want %d", c.head, code, stderr, c.code)
		}
	}

	// One line edited: the verification fails and names the entry.
	edited := strings.Replace(string(raw), `"actor":"commune:tan-phong"`, `"actor":"commune:other"`, 1)
	if edited == string(raw) {
		t.Fatal("nothing edited")
	}
	bad := filepath.Join(dir, "edited.jsonl")
	if err := os.WriteFile(bad, []byte(edited), 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, stderr = runAudit(t, "", "verify", bad)
	if code != exitInvalid || !strings.Contains(stderr, "seq 3") {
		t.Errorf("verify of an edited export: %d %q, want exit %d naming seq 3", code, stderr, exitInvalid)
	}
	// The last line cut off: the chain is whole, but not the kept head.
	cut := filepath.Join(dir, "cut.jsonl")
	if err := os.WriteFile(cut, []byte(strings.Join(lines[:3], "")), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, _, _ := runAudit(t, "", "verify", cut); code != exitOK {
		t.Errorf("verify of a cut export without -head: %d, want 0 (only a kept head shows it)", code)
	}
	if code, _, stderr := runAudit(t, "", "verify", "-head", kept, cut); code != exitInvalid || !strings.Contains(stderr, "removed") {
		t.Errorf("verify -head of a cut export: %d %q", code, stderr)
	}

	// Usage and missing files.
	for _, args := range [][]string{nil, {"nothing"}, {"verify"}, {"export", "extra"}} {
		if code, _, _ := runAudit(t, "", args...); code != exitUsage {
			t.Errorf("audit %q: exit %d, want %d", args, code, exitUsage)
		}
	}
	if code, _, _ := runAudit(t, "", "verify", filepath.Join(dir, "none.jsonl")); code != exitNotFound {
		t.Errorf("verify of a missing file: exit %d, want %d", code, exitNotFound)
	}
	if code, _, _ := runAudit(t, "", "export", "-data", filepath.Join(dir, "none")); code != exitNotFound {
		t.Errorf("export from a directory without a store: exit %d, want %d", code, exitNotFound)
	}
	if _, err := os.Stat(filepath.Join(dir, "none")); err == nil {
		t.Error("export made a store where there was none")
	}
}

// TestAuditExportPostgres exports from PostgreSQL, then from the same
// database after an entry was changed with SQL: the export is still
// written whole, and fails naming the entry.
func TestAuditExportPostgres(t *testing.T) {
	dsn := pgtest.Database(t)
	st, err := postgres.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	fillAudit(t, st)
	dir := t.TempDir()
	file := filepath.Join(dir, "audit.jsonl")
	code, _, stderr := runAudit(t, "", "export", "-db", dsn, "-o", file)
	if code != exitOK || !strings.HasPrefix(head(t, stderr), "4:") {
		t.Fatalf("export: %d %q", code, stderr)
	}
	if code, stdout, _ := runAudit(t, "", "verify", file); code != exitOK || !strings.Contains(stdout, "head 4:") {
		t.Fatalf("verify: %d %q", code, stdout)
	}

	conn, err := pgx.Connect(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(context.Background(), `ALTER TABLE audit DISABLE TRIGGER audit_no_change;
		UPDATE audit SET details = '{"device":"d-2"}' WHERE seq = 3`); err != nil {
		t.Fatal(err)
	}
	tampered := filepath.Join(dir, "tampered.jsonl")
	code, _, stderr = runAudit(t, "", "export", "-db", dsn, "-o", tampered)
	if code != exitInvalid || !strings.Contains(stderr, "seq 3") {
		t.Errorf("export of a tampered log: %d %q, want exit %d naming seq 3", code, stderr, exitInvalid)
	}
	raw, err := os.ReadFile(tampered)
	if err != nil || bytes.Count(raw, []byte("\n")) != 4 {
		t.Fatalf("the export of a tampered log is not whole: %v\n%s", err, raw)
	}
	if code, _, stderr := runAudit(t, "", "verify", tampered); code != exitInvalid || !strings.Contains(stderr, "seq 3") {
		t.Errorf("verify of the tampered export: %d %q", code, stderr)
	}
}
