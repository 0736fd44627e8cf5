package keys

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

func TestCheckJSON(t *testing.T) {
	ok := []string{
		`{}`, `[]`, `"s"`, `1`, `null`, `true`,
		` {"a":1,"b":{"a":2},"c":[{"a":3},{"a":4}]} `,
		`{"a":{"b":1},"b":{"b":1}}`,
		`["a","a"]`,
		`{"a":[1,2,{"x":[]}],"b":"\u00e9"}`,
		strings.Repeat("[", MaxJSONDepth) + strings.Repeat("]", MaxJSONDepth),
	}
	for _, s := range ok {
		if err := CheckJSON([]byte(s)); err != nil {
			t.Errorf("CheckJSON(%s) = %v", s, err)
		}
	}
	bad := []string{
		``, ` `, `{`, `}`, `{"a":1,}`, `{"a" 1}`, `[1,]`, `{'a':1}`,
		`{"a":1,"a":2}`,
		`{"a":1,"\u0061":2}`,
		`{"x":{"a":1,"a":1}}`,
		`[{"a":1,"b":2,"a":3}]`,
		`{"a":1}{"b":2}`, `{} x`, `1 2`, `"a" "b"`,
		"{\"a\":\"\xff\"}", "\xef\xbb\xbf{}", // invalid UTF-8, byte order mark
		strings.Repeat("[", MaxJSONDepth+1) + strings.Repeat("]", MaxJSONDepth+1),
		strings.Repeat(`{"a":`, MaxJSONDepth+1) + "1" + strings.Repeat("}", MaxJSONDepth+1),
		`NaN`, `{"a":01}`, `1e400`, `[-1e309]`,
	}
	for _, s := range bad {
		if err := CheckJSON([]byte(s)); !errors.Is(err, ErrJSON) {
			t.Errorf("CheckJSON(%q) = %v, want ErrJSON", s, err)
		}
	}
}

// FuzzCheckJSON: CheckJSON never panics, accepts only what encoding/json
// calls valid, and what it accepts decodes.
func FuzzCheckJSON(f *testing.F) {
	for _, s := range []string{`{}`, `{"a":[1,{"b":null}]}`, `{"a":1,"a":2}`, `[[[[]]]]`, `"\u0061"`, "\xff"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		err := CheckJSON(b)
		if err != nil {
			if !errors.Is(err, ErrJSON) {
				t.Fatalf("error %v is not ErrJSON", err)
			}
			return
		}
		if !json.Valid(b) {
			t.Fatalf("CheckJSON accepted invalid JSON %q", b)
		}
		var v any
		if err := json.Unmarshal(b, &v); err != nil {
			t.Fatalf("accepted %q does not decode: %v", b, err)
		}
	})
}

func TestDecodeStrict(t *testing.T) {
	var v struct {
		A int `json:"a"`
	}
	if err := DecodeStrict([]byte(`{"a":1}`), &v); err != nil || v.A != 1 {
		t.Fatalf("good document: %v %+v", err, v)
	}
	for name, doc := range map[string]string{
		"unknown member":   `{"a":1,"b":2}`,
		"duplicate member": `{"a":1,"a":2}`,
		"trailing value":   `{"a":1} {"a":2}`,
		"not JSON":         `{"a":`,
	} {
		if err := DecodeStrict([]byte(doc), &v); err == nil {
			t.Errorf("%s accepted", name)
		}
	}
}
