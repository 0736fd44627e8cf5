package wallet

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// ImportFormat is the format tag of a record import file.
const ImportFormat = "citizenwallet.records/v1"

// Limits of ParseImport.
const (
	MaxImportBytes   = 16 << 20
	MaxImportRecords = 10000
)

// importFile is the encoded form, used by EncodeImport.
type importFile struct {
	Format  string   `json:"format"`
	Records []Record `json:"records"`
}

// ParseImport reads a record import file: the format for demos and tests
// until sync brings signed records.
//
//	{
//	  "format": "citizenwallet.records/v1",
//	  "records": [
//	    {"id": "...", "type": "health.insurance_card", "issuer": "vn.bhxh.dongnai",
//	     "issued_at": "2025-01-02T08:00:00+07:00", "claims": {...}},
//	    ...
//	  ]
//	}
//
// Each record is a Record in its JSON form (times RFC 3339). Defaults: a
// missing "status" is active, a missing or 0 "version" is 1, a missing
// "domain" is the record type's domain; "valid_from", "valid_until" and
// "received_at" may be left out (zero). "credential" must be empty:
// import files carry unsigned records only, because a credential stored
// without verification would later be presented as if it had been
// checked; signed records arrive through sync, which verifies them.
//
// ParseImport is strict: the file is at most MaxImportBytes and
// MaxImportRecords records; unknown or repeated top-level members,
// unknown record members, a wrong format tag, trailing data after the
// object, a record that fails Record.Validate and a repeated (id,
// version) pair are all rejected, and the whole file with them (nothing is
// returned). The error wraps ErrInvalid and names the record by its index
// in "records" ("record #0" is the first) and its id. Numbers in claims
// decode as float64. As everywhere with encoding/json, member names match
// case-insensitively and a repeated member inside a record keeps its last
// value.
func ParseImport(r io.Reader) ([]Record, error) {
	cr := &countingReader{r: io.LimitReader(r, MaxImportBytes+1)}
	recs, err := parseImport(cr)
	if cr.n > MaxImportBytes {
		return nil, fmt.Errorf("%w: import: file is larger than %d bytes", ErrInvalid, MaxImportBytes)
	}
	if err != nil {
		return nil, err
	}
	return recs, nil
}

func parseImport(r io.Reader) ([]Record, error) {
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: import: "+format, append([]any{ErrInvalid}, args...)...)
	}
	syntax := func(where string, err error) error {
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return bad("%s: %v", where, err)
	}

	if err := expectDelim(dec, '{'); err != nil {
		return nil, syntax("file", err)
	}
	var (
		format            string
		haveFormat, haveR bool
		recs              []Record
	)
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, syntax("file", err)
		}
		key, _ := tok.(string) // object keys are always strings
		switch key {
		case "format":
			if haveFormat {
				return nil, bad(`"format" appears twice`)
			}
			haveFormat = true
			if err := dec.Decode(&format); err != nil {
				return nil, syntax(`"format"`, err)
			}
		case "records":
			if haveR {
				return nil, bad(`"records" appears twice`)
			}
			haveR = true
			if recs, err = decodeRecords(dec, bad, syntax); err != nil {
				return nil, err
			}
		default:
			return nil, bad("unknown member %q", truncate(key, 64))
		}
	}
	if err := expectDelim(dec, '}'); err != nil {
		return nil, syntax("file", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, bad("data after the end of the file's object")
	}
	if !haveFormat {
		return nil, bad(`no "format" (want %q)`, ImportFormat)
	}
	if format != ImportFormat {
		return nil, bad("format %q, want %q", truncate(format, 64), ImportFormat)
	}
	if !haveR {
		return nil, bad(`no "records"`)
	}
	return recs, nil
}

func decodeRecords(dec *json.Decoder, bad func(string, ...any) error, syntax func(string, error) error) ([]Record, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, syntax(`"records"`, err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '[' {
		return nil, bad(`"records" must be a list`)
	}
	type key struct {
		id      string
		version int
	}
	seen := map[key]int{}
	recs := []Record{}
	for i := 0; dec.More(); i++ {
		if i == MaxImportRecords {
			return nil, bad("more than %d records", MaxImportRecords)
		}
		var r Record
		if err := dec.Decode(&r); err != nil {
			return nil, syntax(fmt.Sprintf("record #%d", i), err)
		}
		if r.Status == "" {
			r.Status = StatusActive
		}
		if r.Version == 0 {
			r.Version = 1
		}
		if r.Domain == "" {
			if t, ok := LookupType(r.Type); ok {
				r.Domain = t.Domain
			}
		}
		if err := r.Validate(); err != nil {
			return nil, fmt.Errorf("import: record #%d: %w", i, err)
		}
		if r.Credential != "" {
			return nil, bad("record #%d (%s): has a credential; import files carry unsigned records only", i, r.ID)
		}
		k := key{r.ID, r.Version}
		if j, dup := seen[k]; dup {
			return nil, bad("record #%d (%s): version %d repeats record #%d", i, r.ID, r.Version, j)
		}
		seen[k] = i
		recs = append(recs, r)
	}
	if err := expectDelim(dec, ']'); err != nil {
		return nil, syntax(`"records"`, err)
	}
	return recs, nil
}

func expectDelim(dec *json.Decoder, want json.Delim) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	if d, ok := tok.(json.Delim); !ok || d != want {
		return fmt.Errorf("want %q, got %v", string(want), tok)
	}
	return nil
}

// EncodeImport writes records as an import file (see ParseImport) that
// ParseImport reads back. Credentials are not written (ParseImport would
// refuse them). It checks each record
// with Record.Validate first and writes nothing if one fails.
func EncodeImport(w io.Writer, recs []Record) error {
	out := importFile{Format: ImportFormat, Records: make([]Record, len(recs))}
	for i, r := range recs {
		if err := r.Validate(); err != nil {
			return fmt.Errorf("encode import: record %d: %w", i, err)
		}
		r.Credential = ""
		out.Records[i] = r
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(out); err != nil {
		return fmt.Errorf("encode import: %w", err)
	}
	if _, err := w.Write(buf.Bytes()); err != nil {
		return fmt.Errorf("encode import: %w", err)
	}
	return nil
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}
