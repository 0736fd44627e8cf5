package statuslist

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

func TestParseStatusClaim(t *testing.T) {
	good := []struct {
		json string
		idx  int
	}{
		{`{"status_list":{"idx":0,"uri":"https://example.com/statuslists/1"}}`, 0},
		{`{"status_list":{"idx":1073741823,"uri":"https://kho.dongnai.gov.vn/status/bhxh/1?v=2"}}`, MaxIndex},
		// Other mechanisms and extension members are allowed and ignored.
		{`{"status_list":{"idx":5,"uri":"https://example.com/s","x":1},"other_mechanism":{}}`, 5},
		{` { "status_list" : { "uri" : "https://example.com:8443/s" , "idx" : 12 } } `, 12},
	}
	for _, c := range good {
		r, err := ParseStatusClaim([]byte(c.json))
		if err != nil || r.Index != c.idx {
			t.Errorf("%s: %+v, %v", c.json, r, err)
		}
		// The map form reads the same.
		var claims map[string]any
		if err := json.Unmarshal([]byte(`{"status":`+c.json+`}`), &claims); err != nil {
			t.Fatal(err)
		}
		r2, err := ReferenceFromClaims(claims)
		if err != nil || r2 != r {
			t.Errorf("map form of %s: %+v, %v", c.json, r2, err)
		}
	}
	bad := []struct {
		json string
		want error
	}{
		{`{}`, ErrNoStatusList},
		{`[]`, ErrNoStatusList},
		{`{"status_list":1}`, ErrNoStatusList},
		{`{"status_list":{"uri":"https://example.com/s"}}`, ErrIdx},
		{`{"status_list":{"idx":-1,"uri":"https://example.com/s"}}`, ErrIdx},
		{`{"status_list":{"idx":1.5,"uri":"https://example.com/s"}}`, ErrIdx},
		{`{"status_list":{"idx":1.0,"uri":"https://example.com/s"}}`, ErrIdx},
		{`{"status_list":{"idx":1e3,"uri":"https://example.com/s"}}`, ErrIdx},
		{`{"status_list":{"idx":"1","uri":"https://example.com/s"}}`, ErrIdx},
		{`{"status_list":{"idx":1073741824,"uri":"https://example.com/s"}}`, ErrIdx},
		{`{"status_list":{"idx":99999999999999999999999,"uri":"https://example.com/s"}}`, ErrIdx},
		{`{"status_list":{"idx":0}}`, ErrURI},
		{`{"status_list":{"idx":0,"uri":5}}`, ErrURI},
		{`{"status_list":{"idx":0,"uri":"http://example.com/s"}}`, ErrURI},
		{`{"status_list":{"idx":0,"uri":"HTTPS://example.com/s"}}`, ErrURI},
		{`{"status_list":{"idx":0,"uri":"/status/1"}}`, ErrURI},
		{`{"status_list":{"idx":0,"uri":"//example.com/s"}}`, ErrURI},
		{`{"status_list":{"idx":0,"uri":"https:///s"}}`, ErrURI},
		{`{"status_list":{"idx":0,"uri":"https://user:pw@example.com/s"}}`, ErrURI},
		{`{"status_list":{"idx":0,"uri":"https://example.com/s#frag"}}`, ErrURI},
		{`{"status_list":{"idx":0,"uri":"https://example.com/s p"}}`, ErrURI},
		{`{"status_list":{"idx":0,"uri":"https://exämple.com/s"}}`, ErrURI},
		{`{"status_list":{"idx":0,"uri":"https://example.com/` + strings.Repeat("a", MaxURILen) + `"}}`, ErrReference},
		{`{"status_list":{"idx":0,"idx":1,"uri":"https://example.com/s"}}`, ErrReference},
		{`{"status_list":{"idx":0,"uri":"https://example.com/s"}`, ErrReference},
	}
	for _, c := range bad {
		_, err := ParseStatusClaim([]byte(c.json))
		if !errors.Is(err, c.want) || !errors.Is(err, ErrReference) {
			t.Errorf("%.80s: %v, want %v", c.json, err, c.want)
		}
	}
}

func TestReferenceFromClaims(t *testing.T) {
	for _, c := range []struct {
		claims map[string]any
		want   error
	}{
		{map[string]any{}, ErrNoStatusList},
		{map[string]any{"status": "x"}, ErrNoStatusList},
		{map[string]any{"status": map[string]any{"status_list": map[string]any{"idx": 1.5, "uri": testURI}}}, ErrIdx},
		{map[string]any{"status": map[string]any{"status_list": map[string]any{"idx": -1.0, "uri": testURI}}}, ErrIdx},
		{map[string]any{"status": map[string]any{"status_list": map[string]any{"idx": 1e10, "uri": testURI}}}, ErrIdx},
		{map[string]any{"status": map[string]any{"status_list": map[string]any{"idx": "1", "uri": testURI}}}, ErrIdx},
		{map[string]any{"status": map[string]any{"status_list": map[string]any{"idx": json.Number("1.0"), "uri": testURI}}}, ErrIdx},
		{map[string]any{"status": map[string]any{"status_list": map[string]any{"idx": 1.0, "uri": "ftp://x/y"}}}, ErrURI},
	} {
		if _, err := ReferenceFromClaims(c.claims); !errors.Is(err, c.want) {
			t.Errorf("%v: %v, want %v", c.claims, err, c.want)
		}
	}
	r := Reference{Index: 42, URI: testURI}
	b, _ := json.Marshal(r.Claim())
	back, err := ParseStatusClaim(b)
	if err != nil || back != r {
		t.Fatalf("Claim round trip: %s: %+v, %v", b, back, err)
	}
}
