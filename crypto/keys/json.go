package keys

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"unicode/utf8"
)

// MaxJSONDepth is the deepest nesting of arrays and objects CheckJSON
// accepts. Nothing this package or its users sign nests deeper than a few
// levels.
const MaxJSONDepth = 32

// CheckJSON returns nil if data is exactly one JSON value (surrounding
// white space allowed) in valid UTF-8, no object in it has two members
// with the same name (compared after unescaping, so "a" and "\u0061"
// collide), every number fits a float64, and it nests at most
// MaxJSONDepth levels. Otherwise the error wraps ErrJSON. Whatever passes
// decodes with encoding/json into any.
//
// encoding/json alone accepts duplicate names (the last one wins) and
// silently replaces invalid UTF-8, so two parsers can read different
// claims out of the same signed bytes. Every signed JSON document this
// package and its users read (JWS headers, JWT payloads, JWKs, SD-JWT
// disclosures, trust lists) goes through CheckJSON before json.Unmarshal.
func CheckJSON(data []byte) error {
	if !utf8.Valid(data) {
		return fmt.Errorf("%w: not valid UTF-8", ErrJSON)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber() // numbers are only skipped here; don't parse them as floats
	// One frame per open array or object. For objects, names holds the
	// member names seen so far and wantName tells whether the next token
	// is a member name or a value.
	type frame struct {
		object   bool
		wantName bool
		names    map[string]struct{}
	}
	var stack []frame
	started := false
	for !started || len(stack) > 0 {
		tok, err := dec.Token()
		if err != nil {
			if errors.Is(err, io.EOF) {
				if !started {
					return fmt.Errorf("%w: empty", ErrJSON)
				}
				return fmt.Errorf("%w: truncated", ErrJSON)
			}
			return fmt.Errorf("%w: %v", ErrJSON, err)
		}
		started = true
		if n, ok := tok.(json.Number); ok {
			// encoding/json cannot decode a number beyond float64's range
			// into any; refuse it here so that what passes decodes.
			if _, err := strconv.ParseFloat(string(n), 64); err != nil {
				return fmt.Errorf("%w: number %s out of range", ErrJSON, truncate(string(n)))
			}
		}
		if d, ok := tok.(json.Delim); ok && (d == '}' || d == ']') {
			stack = stack[:len(stack)-1]
			continue
		}
		if n := len(stack); n > 0 && stack[n-1].object {
			top := &stack[n-1]
			if top.wantName {
				name, ok := tok.(string)
				if !ok { // the decoder already rejects this; kept as a guard
					return fmt.Errorf("%w: object member name is not a string", ErrJSON)
				}
				if _, dup := top.names[name]; dup {
					return fmt.Errorf("%w: duplicate member %q", ErrJSON, truncate(name))
				}
				top.names[name] = struct{}{}
				top.wantName = false
				continue
			}
			top.wantName = true // this token starts the member's value
		}
		if d, ok := tok.(json.Delim); ok {
			if len(stack) == MaxJSONDepth {
				return fmt.Errorf("%w: nested deeper than %d", ErrJSON, MaxJSONDepth)
			}
			f := frame{object: d == '{', wantName: d == '{'}
			if f.object {
				f.names = make(map[string]struct{})
			}
			stack = append(stack, f)
		}
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return fmt.Errorf("%w: data after the JSON value", ErrJSON)
	}
	return nil
}

// decodeObject checks data with CheckJSON and decodes it as a JSON object
// into its members, still encoded.
func decodeObject(data []byte) (map[string]json.RawMessage, error) {
	if err := CheckJSON(data); err != nil {
		return nil, err
	}
	if data = bytes.TrimLeft(data, " \t\r\n"); len(data) == 0 || data[0] != '{' {
		return nil, fmt.Errorf("%w: not a JSON object", ErrJSON)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrJSON, err)
	}
	return m, nil
}

// jsonString decodes raw if it is a JSON string (and not null, which
// json.Unmarshal would silently accept as "").
func jsonString(raw json.RawMessage) (string, bool) {
	if len(raw) == 0 || raw[0] != '"' {
		return "", false
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", false
	}
	return s, true
}

// marshalJSON encodes v without HTML escaping (so "<", ">" and "&" stay
// one byte each) and without the encoder's trailing newline.
func marshalJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// truncate shortens untrusted text quoted in error messages.
func truncate(s string) string {
	const max = 40
	if len(s) <= max {
		return s
	}
	// Cut at a rune boundary so %q prints no broken sequence.
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// DecodeStrict decodes one signed JSON document into v: CheckJSON first,
// then no member v does not name, and nothing after the value.
func DecodeStrict(data []byte, v any) error {
	if err := CheckJSON(data); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return errors.New("data after the JSON value")
	}
	return nil
}
