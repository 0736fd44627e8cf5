package main

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vnwallet/citizenwallet/crypto/kdf"
	"github.com/vnwallet/citizenwallet/sync/warehouse"
	"github.com/vnwallet/citizenwallet/wallet"
)

const demoFile = "../../wallet/testdata/import/dongnai-demo.json"

func TestMain(m *testing.M) {
	// Test-only: a cheap KDF so that every create and open does not cost a
	// production Argon2id derivation.
	storeOptions.KDF = kdf.Test()
	os.Exit(m.Run())
}

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

type result struct {
	code           int
	stdout, stderr string
}

// walletctl runs the real command with args and stdin.
func walletctl(t *testing.T, stdin string, args ...string) result {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(args, strings.NewReader(stdin), &out, &errOut)
	r := result{code, out.String(), errOut.String()}
	if code != 0 {
		// Errors are exactly one line, prefixed.
		if !strings.HasPrefix(r.stderr, "walletctl: ") || strings.Count(r.stderr, "\n") != 1 || !strings.HasSuffix(r.stderr, "\n") {
			if !(code == exitUsage && len(args) == 0) {
				t.Errorf("walletctl %v: error output is not one prefixed line: %q", args, r.stderr)
			}
		}
	}
	return r
}

func (r result) want(t *testing.T, code int, args ...string) {
	t.Helper()
	if r.code != code {
		t.Fatalf("exit code %d, want %d\nstdout:\n%s\nstderr:\n%s", r.code, code, r.stdout, r.stderr)
	}
}

const (
	demoPIN  = "123456"
	demoID   = "075192004517"
	demoName = "Nguyễn Thị Thu Hà"
)

func createDemo(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "ha")
	r := walletctl(t, demoPIN+"\n", "--data", dir, "--pin-stdin", "create", "--citizen-id", demoID, "--name", demoName, "--birth", "1992-08-14")
	r.want(t, exitOK)
	if !strings.Contains(r.stdout, demoName) || !strings.Contains(r.stdout, "Đồng Nai") {
		t.Errorf("create output:\n%s", r.stdout)
	}
	return dir
}

// latest returns the latest version of every record of the demo file, the
// records a store must list.
func latest(t *testing.T) []wallet.Record {
	t.Helper()
	f, err := os.Open(demoFile)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := wallet.ParseImport(f)
	if err != nil {
		t.Fatal(err)
	}
	byID := map[string]wallet.Record{}
	for _, r := range recs {
		if old, ok := byID[r.ID]; !ok || r.Version > old.Version {
			byID[r.ID] = r
		}
	}
	out := make([]wallet.Record, 0, len(byID))
	for _, r := range byID {
		out = append(out, r)
	}
	return out
}

var idCell = regexp.MustCompile(`(?m)^  (\S+)\s+`)

// listedIDs returns the record ids a list output shows.
func listedIDs(out string) []string {
	var ids []string
	for _, m := range idCell.FindAllStringSubmatch(out, -1) {
		if m[1] != "Mã" {
			ids = append(ids, m[1])
		}
	}
	slices.Sort(ids)
	return ids
}

func TestEndToEnd(t *testing.T) {
	dir := createDemo(t)
	g := []string{"--data", dir, "--pin-stdin"}
	cmd := func(stdin string, args ...string) result {
		return walletctl(t, stdin, append(slices.Clone(g), args...)...)
	}

	// A second create in the same place is refused.
	cmd(demoPIN+"\n", "create", "--citizen-id", demoID, "--name", demoName, "--birth", "1992-08-14").want(t, exitExists)

	// An empty profile lists nothing.
	r := cmd(demoPIN+"\n", "list")
	r.want(t, exitOK)
	if !strings.Contains(r.stdout, "Không có hồ sơ nào") {
		t.Errorf("empty list:\n%s", r.stdout)
	}

	// Import the demo, then again: the second time adds nothing.
	r = cmd(demoPIN+"\n", "import", demoFile)
	r.want(t, exitOK)
	if !strings.Contains(r.stdout, "Đã nhập 24 phiên bản hồ sơ, 0 đã có sẵn") {
		t.Errorf("import output: %s", r.stdout)
	}
	r = cmd(demoPIN+"\n", "import", demoFile)
	r.want(t, exitOK)
	if !strings.Contains(r.stdout, "Đã nhập 0 phiên bản hồ sơ, 24 đã có sẵn") {
		t.Errorf("second import output: %s", r.stdout)
	}

	// Nothing personal is on disk in plain text.
	checkNoPlaintext(t, dir, demoName, demoID, "Viêm phế quản cấp", "Nhồi máu cơ tim")

	// list, with each filter, shows exactly the records the query matches.
	all := latest(t)
	for _, tc := range []struct {
		args []string
		q    wallet.Query
	}{
		{nil, wallet.Query{}},
		{[]string{"--domain", "health"}, wallet.Query{Domain: wallet.DomainHealth}},
		{[]string{"--type", "health.insurance_card"}, wallet.Query{Type: "health.insurance_card"}},
		{[]string{"--issuer", "vn.dongnai.sotuphap"}, wallet.Query{Issuer: "vn.dongnai.sotuphap"}},
		{[]string{"--from", "2025-01-01", "--to", "2025-12-31"}, wallet.Query{IssuedFrom: day(2025, 1, 1), IssuedTo: day(2026, 1, 1).Add(-1)}},
		{[]string{"--to", "2017-12-20"}, wallet.Query{IssuedTo: day(2017, 12, 21).Add(-1)}},
		{[]string{"--status", "withdrawn"}, wallet.Query{Statuses: []wallet.Status{wallet.StatusWithdrawn}}},
		{[]string{"--domain", "labour", "--issuer", "vn.bhxh.dongnai"}, wallet.Query{Domain: wallet.DomainLabour, Issuer: "vn.bhxh.dongnai"}},
	} {
		var want []string
		for _, rec := range all {
			if tc.q.Match(rec) {
				want = append(want, rec.ID)
			}
		}
		slices.Sort(want)
		if len(want) == 0 {
			t.Fatalf("list %v: test matches nothing in the demo", tc.args)
		}
		r := cmd(demoPIN+"\n", append([]string{"list"}, tc.args...)...)
		r.want(t, exitOK)
		if got := listedIDs(r.stdout); !slices.Equal(got, want) {
			t.Errorf("list %v shows %v, want %v\n%s", tc.args, got, want, r.stdout)
		}
		if !strings.Contains(r.stdout, "Tổng cộng / Total: ") || !strings.Contains(r.stdout, demoName) {
			t.Errorf("list %v output:\n%s", tc.args, r.stdout)
		}
	}
	r = cmd(demoPIN+"\n", "list")
	for _, s := range []string{"Căn cước & cư trú / Identity & residence", "Sức khỏe / Health", "đã bị thu hồi / withdrawn", "Thẻ bảo hiểm y tế", "còn hiệu lực / active"} {
		if !strings.Contains(r.stdout, s) {
			t.Errorf("list output lacks %q:\n%s", s, r.stdout)
		}
	}

	// show: claims with labels in both languages, values formatted the
	// Vietnamese way, and the version history.
	r = cmd(demoPIN+"\n", "show", "bhyt-dn4757520123456")
	r.want(t, exitOK)
	for _, s := range []string{
		"Thẻ bảo hiểm y tế / Health insurance card",
		"Mã thẻ BHYT / Health insurance card number: DN4757520123456",
		"Mức hưởng / Benefit level: 4",
		"Giá trị sử dụng từ ngày / Valid from: 01/01/2026",
		"Giới tính / Sex: Nữ / Female",
		"Hiệu lực / Valid:",
		"v1", "đã được thay thế / superseded", "v2",
		"Phiên bản / Version:",
	} {
		if !strings.Contains(r.stdout, s) {
			t.Errorf("show lacks %q:\n%s", s, r.stdout)
		}
	}
	r = cmd(demoPIN+"\n", "show", "donthuoc-75014a7k2m9q-c")
	r.want(t, exitOK)
	for _, s := range []string{"[Toàn bộ là dữ liệu nhạy cảm / All of it is sensitive data]", "    - Amoxicillin 500mg", "Số ngày dùng thuốc / Days of treatment: 7"} {
		if !strings.Contains(r.stdout, s) {
			t.Errorf("show prescription lacks %q:\n%s", s, r.stdout)
		}
	}
	r = cmd(demoPIN+"\n", "show", "sld-3603456789-2019-0457")
	if !strings.Contains(r.stdout, "14.500.000") || !strings.Contains(r.stdout, "Không xác định thời hạn / Indefinite term") {
		t.Errorf("show employment:\n%s", r.stdout)
	}
	r = cmd(demoPIN+"\n", "show", "lltp-2153-2025")
	if !strings.Contains(r.stdout, "Có án tích / Has a criminal conviction [nhạy cảm / sensitive]: Không / No") {
		t.Errorf("show criminal record:\n%s", r.stdout)
	}
	r = cmd(demoPIN+"\n", "show", "cutru-tamtru-2016-118")
	if !strings.Contains(r.stdout, "2 (đã bị thu hồi / withdrawn)") {
		t.Errorf("show withdrawn:\n%s", r.stdout)
	}
	r = cmd(demoPIN+"\n", "show", "no-such-record")
	r.want(t, exitNotFound)
	if !strings.Contains(r.stderr, "no-such-record") {
		t.Errorf("show missing: %s", r.stderr)
	}

	// Wrong PIN: exit 3 and a clear message.
	r = cmd("654321\n", "list")
	r.want(t, exitWrongPIN)
	if r.stderr != "walletctl: sai mã PIN / wrong PIN\n" {
		t.Errorf("wrong PIN message %q", r.stderr)
	}
	if r.stdout != "" {
		t.Errorf("wrong PIN printed %q", r.stdout)
	}

	// change-pin: a bad new PIN changes nothing; a wrong current PIN is
	// refused; then the real change.
	cmd(demoPIN+"\n12\n", "change-pin").want(t, exitInvalid)
	cmd("999999\n654321\n", "change-pin").want(t, exitWrongPIN)
	cmd(demoPIN+"\n", "list").want(t, exitOK)
	r = cmd(demoPIN+"\nmật khẩu mới\n", "change-pin")
	r.want(t, exitOK)
	if !strings.Contains(r.stdout, "Đã đổi mã PIN / PIN changed") {
		t.Errorf("change-pin output: %s", r.stdout)
	}
	cmd(demoPIN+"\n", "list").want(t, exitWrongPIN)
	r = cmd("mật khẩu mới\r\n", "list") // a Windows line ending is not part of the PIN
	r.want(t, exitOK)
	if got := listedIDs(r.stdout); len(got) != len(all) {
		t.Errorf("after change-pin, list shows %d records, want %d", len(got), len(all))
	}
}

func TestThrottle(t *testing.T) {
	dir := createDemo(t)
	args := []string{"--data", dir, "--pin-stdin", "list"}
	var r result
	for range 5 {
		r = walletctl(t, "000000\n", args...)
		r.want(t, exitWrongPIN)
	}
	r = walletctl(t, demoPIN+"\n", args...)
	r.want(t, exitThrottle)
	if !strings.Contains(r.stderr, "thử lại sau") || !strings.Contains(r.stderr, "try again in") {
		t.Errorf("throttle message: %s", r.stderr)
	}
}

func TestUsage(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "p")
	r := walletctl(t, "")
	r.want(t, exitUsage)
	if !strings.Contains(r.stderr, "Cách dùng / Usage") {
		t.Errorf("no-argument output: %s", r.stderr)
	}
	for _, h := range [][]string{{"help"}, {"--help"}, {"list", "-h"}} {
		r = walletctl(t, "", h...)
		r.want(t, exitOK)
		if !strings.Contains(r.stdout, "Mã thoát / Exit codes") {
			t.Errorf("%v output: %s", h, r.stdout)
		}
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"frobnicate"}, `unknown command "frobnicate"`},
		{[]string{"--colour", "list"}, "flag provided but not defined"},
		{[]string{"--data", dir, "list", "--domain", "sports"}, `unknown domain "sports"`},
		{[]string{"--data", dir, "list", "--type", "health.dna"}, `unknown record type "health.dna"`},
		{[]string{"--data", dir, "list", "--from", "yesterday"}, "--from"},
		{[]string{"--data", dir, "list", "--from", "2025-02-01", "--to", "2025-01-01"}, "before"},
		{[]string{"--data", dir, "list", "--status", "deleted"}, "unknown status"},
		{[]string{"--data", dir, "list", "extra"}, "unexpected argument"},
		{[]string{"--data", dir, "show"}, "exactly one record id"},
		{[]string{"--data", dir, "import"}, "exactly one file"},
		{[]string{"--data", dir, "create", "--name", "Lê An"}, "--citizen-id"},
		{[]string{"--profile", "../etc", "list"}, "invalid profile name"},
	} {
		r := walletctl(t, "", tc.args...)
		r.want(t, exitUsage)
		if !strings.Contains(r.stderr, tc.want) {
			t.Errorf("%v: %q does not mention %q", tc.args, r.stderr, tc.want)
		}
	}
	// Without --pin-stdin the PIN is asked on a terminal; there is none.
	r = walletctl(t, demoPIN+"\n", "--data", dir, "create", "--citizen-id", demoID, "--name", demoName, "--birth", "1992-08-14")
	r.want(t, exitUsage)
	if !strings.Contains(r.stderr, "--pin-stdin") {
		t.Errorf("no terminal: %s", r.stderr)
	}
	// --pin-stdin with nothing on stdin.
	r = walletctl(t, "", "--data", dir, "--pin-stdin", "create", "--citizen-id", demoID, "--name", demoName, "--birth", "1992-08-14")
	r.want(t, exitUsage)
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("a failed create left %s behind (%v)", dir, err)
	}
	// Global flags may also follow the command.
	walletctl(t, "", "types", "--data", dir).want(t, exitOK)
}

func TestCreateInvalid(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "p")
	for _, tc := range []struct {
		id, name, birth, pin, want string
	}{
		{"07519200451", demoName, "1992-08-14", demoPIN, "12 digits"},
		{"098192004517", demoName, "1992-08-14", demoPIN, "province"},
		{demoID, demoName, "1993-08-14", demoPIN, "birth year 1992"},
		{demoID, demoName, "14-08-1992", demoPIN, "birth date"},
		{demoID, demoName, "2992-08-14", demoPIN, "2992"},
		{demoID, demoName, "2299-01-01", demoPIN, "future"},
		{demoID, "Hà 2", "1992-08-14", demoPIN, "not a letter"},
		{demoID, demoName, "1992-08-14", "12345", "at least 6"},
	} {
		r := walletctl(t, tc.pin+"\n", "--data", dir, "--pin-stdin", "create", "--citizen-id", tc.id, "--name", tc.name, "--birth", tc.birth)
		r.want(t, exitInvalid)
		if !strings.Contains(r.stderr, tc.want) {
			t.Errorf("create %+v: %q does not mention %q", tc, r.stderr, tc.want)
		}
		if _, err := os.Stat(dir); !os.IsNotExist(err) {
			t.Fatalf("a refused create left %s behind (%v)", dir, err)
		}
	}
	// DD/MM/YYYY is accepted too, and extra spaces in the name are folded.
	r := walletctl(t, demoPIN+"\n", "--data", dir, "--pin-stdin", "create", "--citizen-id", demoID, "--name", "  Nguyễn  Thị Thu   Hà ", "--birth", "14/08/1992")
	r.want(t, exitOK)
	if !strings.Contains(r.stdout, demoName+" (") {
		t.Errorf("create output: %s", r.stdout)
	}
}

func TestImportInvalid(t *testing.T) {
	dir := createDemo(t)
	tmp := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(tmp, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	data, err := os.ReadFile(demoFile)
	if err != nil {
		t.Fatal(err)
	}
	// The demo with one broken record: nothing of it is imported.
	broken := strings.Replace(string(data), `"death_date": "2023-06-03"`, `"death_date": "2023-06-31"`, 1)
	if broken == string(data) {
		t.Fatal("test bug: nothing replaced")
	}
	other := strings.ReplaceAll(string(data), demoID, "075090001234")
	for _, tc := range []struct {
		file string
		code int
		want string
	}{
		{write("broken.json", broken), exitInvalid, "death_date"},
		{write("empty.json", ""), exitInvalid, "nothing imported"},
		{write("other.json", other), exitInvalid, "075090001234"},
		{filepath.Join(tmp, "missing.json"), exitNotFound, "missing.json"},
	} {
		r := walletctl(t, demoPIN+"\n", "--data", dir, "--pin-stdin", "import", tc.file)
		r.want(t, tc.code)
		if !strings.Contains(r.stderr, tc.want) {
			t.Errorf("import %s: %q does not mention %q", filepath.Base(tc.file), r.stderr, tc.want)
		}
	}
	r := walletctl(t, demoPIN+"\n", "--data", dir, "--pin-stdin", "list")
	r.want(t, exitOK)
	if !strings.Contains(r.stdout, "Không có hồ sơ nào") {
		t.Errorf("refused imports stored something:\n%s", r.stdout)
	}

	// A stored version that the file changes is refused as a whole.
	walletctl(t, demoPIN+"\n", "--data", dir, "--pin-stdin", "import", demoFile).want(t, exitOK)
	changed := strings.Replace(string(data), `"Viêm phế quản cấp"`, `"Viêm phổi"`, 1)
	r = walletctl(t, demoPIN+"\n", "--data", dir, "--pin-stdin", "import", write("changed.json", changed))
	r.want(t, exitInvalid)
	if !strings.Contains(r.stderr, "differs from the stored one") {
		t.Errorf("changed import: %s", r.stderr)
	}
}

func TestNoProfile(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "nobody")
	for _, args := range [][]string{{"list"}, {"show", "x"}, {"change-pin"}, {"import", demoFile}} {
		r := walletctl(t, demoPIN+"\n", append([]string{"--data", dir, "--pin-stdin"}, args...)...)
		r.want(t, exitNotFound)
		if !strings.Contains(r.stderr, "walletctl create") && args[0] != "change-pin" {
			t.Errorf("%v: %s", args, r.stderr)
		}
	}
}

func TestDefaultDataDir(t *testing.T) {
	home := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", home)
	t.Setenv("HOME", home)
	base, err := os.UserConfigDir()
	if err != nil {
		t.Skipf("no user config dir here: %v", err)
	}
	r := walletctl(t, demoPIN+"\n", "--profile", "me-2", "--pin-stdin", "create", "--citizen-id", demoID, "--name", demoName, "--birth", "1992-08-14")
	r.want(t, exitOK)
	want := filepath.Join(base, "citizenwallet", "profiles", "me-2")
	if !strings.Contains(r.stdout, want) {
		t.Errorf("create output does not name %s:\n%s", want, r.stdout)
	}
	if entries, err := os.ReadDir(want); err != nil || len(entries) == 0 {
		t.Errorf("profile dir %s: %v, %d entries", want, err, len(entries))
	}
	walletctl(t, demoPIN+"\n", "--pin-stdin", "--profile", "me-2", "list").want(t, exitOK)
	walletctl(t, demoPIN+"\n", "--pin-stdin", "list").want(t, exitNotFound) // "default" does not exist
}

func TestTypes(t *testing.T) {
	r := walletctl(t, "", "types")
	r.want(t, exitOK)
	for _, rt := range wallet.Types() {
		if !strings.Contains(r.stdout, rt.Code) || !strings.Contains(r.stdout, rt.Label.VI) {
			t.Errorf("types lacks %s", rt.Code)
		}
	}
}

func TestVINumber(t *testing.T) {
	for f, want := range map[float64]string{
		0: "0", 7: "7", 999: "999", 1000: "1.000", 14500000: "14.500.000", 8.4: "8,4",
		47.75: "47,75", -1234.5: "-1.234,5", 100000: "100.000",
	} {
		if got := viNumber(f); got != want {
			t.Errorf("viNumber(%v) = %q, want %q", f, got, want)
		}
	}
}

// checkNoPlaintext fails if any file under dir holds one of the secrets,
// in UTF-8 as written.
func checkNoPlaintext(t *testing.T, dir string, secrets ...string) {
	t.Helper()
	err := filepath.Walk(dir, func(path string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, s := range secrets {
			if bytes.Contains(data, []byte(s)) {
				t.Errorf("%s holds %q in plain text", path, s)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// demoProfile writes srv's root key to a file and creates a profile of
// citizen p; ctl runs walletctl on that profile with the demo PIN.
func demoProfile(t *testing.T, srv *warehouse.Server, p wallet.Profile) (rootFile string, ctl func(args ...string) result) {
	t.Helper()
	rootFile = filepath.Join(t.TempDir(), "root-key.jwk")
	root, _ := srv.RootKey().MarshalJSON()
	if err := os.WriteFile(rootFile, root, 0o644); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "p")
	walletctl(t, demoPIN+"\n", "--data", dir, "--pin-stdin", "create", "--citizen-id", p.CitizenID,
		"--name", p.FullName, "--birth", p.BirthDate.Format(time.DateOnly)).want(t, exitOK)
	return rootFile, func(args ...string) result {
		return walletctl(t, demoPIN+"\n", append([]string{"--data", dir, "--pin-stdin"}, args...)...)
	}
}
