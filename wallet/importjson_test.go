package wallet

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const demoFile = "testdata/import/dongnai-demo.json"

func TestParseImportDemo(t *testing.T) {
	f, err := os.Open(demoFile)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := ParseImport(f)
	if err != nil {
		t.Fatalf("ParseImport(%s): %v", demoFile, err)
	}
	if len(recs) != 24 {
		t.Errorf("got %d records, want 24", len(recs))
	}
	types := map[string]int{}
	for i, r := range recs {
		if err := r.Validate(); err != nil {
			t.Errorf("record %d: %v", i, err)
		}
		types[r.Type]++
		if r.Version == 0 || r.Status == "" || r.Domain == "" {
			t.Errorf("record %d (%s): defaults not applied: %+v", i, r.ID, r)
		}
		if r.Credential != "" {
			t.Errorf("record %d has a credential", i)
		}
	}
	for _, rt := range Types() {
		if types[rt.Code] == 0 {
			t.Errorf("the demo file has no %s record: add one", rt.Code)
		}
	}
	// The demo's profile: a Đồng Nai citizen whose identity record agrees
	// with the profile rules.
	id := recs[0]
	if id.Type != "identity.citizen" {
		t.Fatalf("first demo record is %s", id.Type)
	}
	birth, err := ParseDate(id.Claims["birth_date"].(string))
	if err != nil {
		t.Fatal(err)
	}
	p := Profile{CitizenID: id.Claims["citizen_id"].(string), FullName: id.Claims["full_name"].(string), BirthDate: birth}
	if err := p.Validate(); err != nil {
		t.Errorf("demo citizen is not a valid profile: %v", err)
	}
	if prov, _ := CitizenIDProvince(p.CitizenID); prov != "Đồng Nai" {
		t.Errorf("demo citizen is from %q, want Đồng Nai", prov)
	}
	// Versions and a tombstone, so that show/history has something to show.
	var withdrawn, v2 int
	for _, r := range recs {
		if r.Status == StatusWithdrawn {
			withdrawn++
		}
		if r.Version == 2 {
			v2++
		}
	}
	if withdrawn == 0 || v2 < 2 {
		t.Errorf("demo has %d withdrawn records and %d second versions; want a tombstone and a correction", withdrawn, v2)
	}
	// Numbers decode as float64, as the Claims doc says.
	if _, ok := recs[0].Claims["citizen_id"].(string); !ok {
		t.Error("citizen_id is not a string")
	}
	for _, r := range recs {
		if r.Type == "health.insurance_card" {
			if _, ok := r.Claims["benefit_level"].(float64); !ok {
				t.Errorf("benefit_level decoded as %T", r.Claims["benefit_level"])
			}
		}
	}
}

const minimalRecord = `{"id":"r1","type":"health.immunization","issuer":"vn.dongnai.soyte","issued_at":"2025-01-02T08:00:00+07:00",` +
	`"claims":{"vaccine":"BCG","dose_number":1,"administered_on":"2025-01-02","facility":"Trạm Y tế phường Trấn Biên"}}`

func TestParseImportDefaults(t *testing.T) {
	recs, err := ParseImport(strings.NewReader(`{"format":"citizenwallet.records/v1","records":[` + minimalRecord + `]}`))
	if err != nil {
		t.Fatal(err)
	}
	r := recs[0]
	if r.Status != StatusActive || r.Version != 1 || r.Domain != DomainHealth {
		t.Errorf("defaults: status %q version %d domain %q", r.Status, r.Version, r.Domain)
	}
	if r.IssuedAt.IsZero() || r.Claims["dose_number"] != 1.0 {
		t.Errorf("decoded %+v", r)
	}
	// Member order does not matter, and an empty list is a valid file.
	recs, err = ParseImport(strings.NewReader(` {"records":[],"format":"citizenwallet.records/v1"}` + "\n\n"))
	if err != nil || len(recs) != 0 {
		t.Errorf("empty import: %v, %d records", err, len(recs))
	}
}

func TestParseImportRejects(t *testing.T) {
	file := func(records ...string) string {
		return `{"format":"citizenwallet.records/v1","records":[` + strings.Join(records, ",") + `]}`
	}
	rec := func(edit func(string) string) string { return edit(minimalRecord) }
	replace := func(old, new string) func(string) string {
		return func(s string) string {
			if !strings.Contains(s, old) {
				panic("test bug: " + old)
			}
			return strings.Replace(s, old, new, 1)
		}
	}
	cases := []struct {
		name, in, want string
	}{
		{"empty input", "", "unexpected EOF"},
		{"not JSON", "hello", "invalid character"},
		{"top-level list", "[]", "want"},
		{"top-level string", `"x"`, "want"},
		{"truncated", file(minimalRecord)[:60], "unexpected EOF"},
		{"no format", `{"records":[]}`, `no "format"`},
		{"wrong format", `{"format":"citizenwallet.records/v2","records":[]}`, "citizenwallet.records/v2"},
		{"format not a string", `{"format":1,"records":[]}`, `"format"`},
		{"no records", `{"format":"citizenwallet.records/v1"}`, `no "records"`},
		{"records null", `{"format":"citizenwallet.records/v1","records":null}`, "must be a list"},
		{"records an object", `{"format":"citizenwallet.records/v1","records":{}}`, "must be a list"},
		{"unknown member", `{"format":"citizenwallet.records/v1","records":[],"extra":1}`, `unknown member "extra"`},
		{"format twice", `{"format":"citizenwallet.records/v1","format":"citizenwallet.records/v1","records":[]}`, "twice"},
		{"records twice", `{"format":"citizenwallet.records/v1","records":[],"records":[]}`, "twice"},
		{"trailing object", file() + `{}`, "after the end"},
		{"trailing garbage", file() + ` x`, "after the end"},
		{"unknown record member", file(rec(replace(`"id":"r1"`, `"id":"r1","colour":"red"`))), "record #0"},
		{"record not an object", file(`"r1"`), "record #0"},
		{"record null", file(`null`), "record #0"},
		{"bad time", file(rec(replace(`2025-01-02T08:00:00+07:00`, `02/01/2025`))), "record #0"},
		{"unknown type", file(rec(replace(`health.immunization`, `health.dna`))), "unknown record type"},
		{"wrong domain", file(rec(replace(`"type"`, `"domain":"labour","type"`))), "domain"},
		{"missing claim", file(rec(replace(`"vaccine":"BCG",`, ``))), "vaccine"},
		{"bad claim", file(rec(replace(`"administered_on":"2025-01-02"`, `"administered_on":"2025-13-02"`))), "administered_on"},
		{"unknown claim", file(rec(replace(`"vaccine"`, `"hiv_status":"x","vaccine"`))), "hiv_status"},
		{"bad status", file(rec(replace(`"type"`, `"status":"deleted","type"`))), "status"},
		{"negative version", file(rec(replace(`"type"`, `"version":-1,"type"`))), "version"},
		{"fractional version", file(rec(replace(`"type"`, `"version":1.5,"type"`))), "record #0"},
		{"no issuer", file(rec(replace(`"issuer":"vn.dongnai.soyte"`, `"issuer":""`))), "issuer"},
		{"control in id", file(rec(replace(`"id":"r1"`, `"id":"r1\u001b[2J"`))), "record id"},
		{"credential", file(rec(replace(`"type"`, `"credential":"eyJhbGciOiJFUzI1NiJ9.e30.sig~","type"`))), "credential"},
		{"duplicate version", file(minimalRecord, minimalRecord), "record #1 (r1): version 1 repeats record #0"},
		{"duplicate with default version", file(minimalRecord, rec(replace(`"type"`, `"version":1,"type"`))), "repeats record #0"},
		{"second record bad", file(minimalRecord, rec(replace(`"id":"r1"`, `"id":""`))), "record #1"},
	}
	for _, tc := range cases {
		recs, err := ParseImport(strings.NewReader(tc.in))
		if err == nil {
			t.Errorf("%s: accepted (%d records)", tc.name, len(recs))
			continue
		}
		if recs != nil {
			t.Errorf("%s: returned records with the error", tc.name)
		}
		if !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: %v does not wrap ErrInvalid", tc.name, err)
		}
		if !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %q does not mention %q", tc.name, err, tc.want)
		}
	}
	// A second version of the same id is fine.
	if _, err := ParseImport(strings.NewReader(file(minimalRecord, rec(replace(`"type"`, `"version":2,"type"`))))); err != nil {
		t.Errorf("two versions: %v", err)
	}
}

func TestParseImportLimits(t *testing.T) {
	var b strings.Builder
	b.WriteString(`{"format":"citizenwallet.records/v1","records":[`)
	for i := range MaxImportRecords + 1 {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strings.Replace(minimalRecord, `"id":"r1"`, fmt.Sprintf(`"id":"r%d"`, i), 1))
	}
	b.WriteString(`]}`)
	_, err := ParseImport(strings.NewReader(b.String()))
	if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "more than 10000 records") {
		t.Errorf("%d records: %v", MaxImportRecords+1, err)
	}
	// Exactly the limit is accepted.
	s := b.String()
	cut := strings.LastIndex(s, `,{"id"`)
	recs, err := ParseImport(strings.NewReader(s[:cut] + `]}`))
	if err != nil || len(recs) != MaxImportRecords {
		t.Errorf("%d records: %v, got %d", MaxImportRecords, err, len(recs))
	}

	// A file over the size limit is refused even when it is valid JSON
	// followed by blanks, and the reader is not drained past the limit.
	big := io.MultiReader(strings.NewReader(`{"format":"citizenwallet.records/v1","records":[]}`),
		strings.NewReader(strings.Repeat(" ", MaxImportBytes)))
	cr := &countingReader{r: big}
	_, err = ParseImport(cr)
	if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "larger than") {
		t.Errorf("oversized file: %v", err)
	}
	if cr.n > MaxImportBytes+1+64<<10 {
		t.Errorf("read %d bytes from an oversized file", cr.n)
	}
	// A huge string inside is refused the same way.
	huge := `{"format":"citizenwallet.records/v1","records":[{"id":"` + strings.Repeat("a", MaxImportBytes) + `"}]}`
	if _, err := ParseImport(strings.NewReader(huge)); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "larger than") {
		t.Errorf("oversized record: %v", err)
	}
}

func TestEncodeImportRoundTrip(t *testing.T) {
	data, err := os.ReadFile(demoFile)
	if err != nil {
		t.Fatal(err)
	}
	recs, err := ParseImport(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := EncodeImport(&buf, recs); err != nil {
		t.Fatal(err)
	}
	again, err := ParseImport(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatalf("re-parse: %v\n%s", err, buf.Bytes())
	}
	var buf2 bytes.Buffer
	if err := EncodeImport(&buf2, again); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf.Bytes(), buf2.Bytes()) {
		t.Error("encode(parse(encode(x))) differs from encode(x)")
	}
	if len(again) != len(recs) {
		t.Fatalf("%d records after the round trip, want %d", len(again), len(recs))
	}
	for i := range recs {
		if !again[i].IssuedAt.Equal(recs[i].IssuedAt) || again[i].ID != recs[i].ID || again[i].Version != recs[i].Version {
			t.Errorf("record %d changed in the round trip", i)
		}
	}
	if !strings.Contains(buf.String(), "Nguyễn Thị Thu Hà") {
		t.Error("EncodeImport escaped Vietnamese text")
	}
	bad := recs[0]
	bad.Type = "no.such"
	if err := EncodeImport(io.Discard, []Record{bad}); !errors.Is(err, ErrInvalid) {
		t.Errorf("EncodeImport of an invalid record: %v", err)
	}
}

func FuzzParseImport(f *testing.F) {
	seeds, err := filepath.Glob("testdata/import/*.json")
	if err != nil || len(seeds) == 0 {
		f.Fatalf("no seeds in testdata/import: %v", err)
	}
	for _, p := range seeds {
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(`{"format":"citizenwallet.records/v1","records":[` + minimalRecord + `]}`))
	f.Add([]byte(`{"format":"citizenwallet.records/v1","records":[]}`))
	f.Add([]byte(`{"records":[null],"format":"citizenwallet.records/v1"} x`))
	f.Fuzz(func(t *testing.T, data []byte) {
		recs, err := ParseImport(bytes.NewReader(data))
		if err != nil {
			if recs != nil {
				t.Fatal("records returned with an error")
			}
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("error does not wrap ErrInvalid: %v", err)
			}
			return
		}
		if len(recs) > MaxImportRecords {
			t.Fatalf("%d records", len(recs))
		}
		type key struct {
			id string
			v  int
		}
		seen := map[key]bool{}
		for i, r := range recs {
			if err := r.Validate(); err != nil {
				t.Fatalf("record %d accepted but invalid: %v", i, err)
			}
			if seen[key{r.ID, r.Version}] {
				t.Fatalf("record %d repeats (id, version)", i)
			}
			seen[key{r.ID, r.Version}] = true
		}
		var buf bytes.Buffer
		if err := EncodeImport(&buf, recs); err != nil {
			t.Fatalf("accepted records do not encode: %v", err)
		}
		again, err := ParseImport(bytes.NewReader(buf.Bytes()))
		if err != nil {
			t.Fatalf("encoded import does not parse: %v", err)
		}
		var buf2 bytes.Buffer
		if err := EncodeImport(&buf2, again); err != nil || !bytes.Equal(buf.Bytes(), buf2.Bytes()) {
			t.Fatalf("round trip is not stable: %v", err)
		}
	})
}
