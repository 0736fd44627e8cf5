package protocol_test

import (
	"bytes"
	"compress/gzip"
	"crypto/rand"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/vnwallet/citizenwallet/crypto/keys"
	"github.com/vnwallet/citizenwallet/crypto/sdjwt"
	"github.com/vnwallet/citizenwallet/sync/protocol"
	"github.com/vnwallet/citizenwallet/wallet"
	"github.com/vnwallet/citizenwallet/wallet/sample"
)

// seededCreds issues a record of every type with a fresh seed each.
func seededCreds(t testing.TB) (creds []string, seeds [][]byte) {
	issuer, holder := mustKey(t, keys.ES256), mustKey(t, keys.ES256)
	for _, typ := range wallet.Types() {
		r := sample.Record(typ, 7)
		claims := map[string]any{}
		for k, v := range r.Claims {
			claims[k] = v
		}
		seed := make([]byte, sdjwt.SeedSize)
		rand.Read(seed)
		c, err := sdjwt.Issue(issuer, sdjwt.IssueRequest{Issuer: r.Issuer, Type: r.Type, IssuedAt: time.Unix(1790000000, 0), Holder: holder.Public(),
			Metadata: map[string]any{"rid": r.ID, "rver": r.Version}, Claims: claims, Decoys: 3, Seed: seed})
		if err != nil {
			t.Fatal(err)
		}
		creds, seeds = append(creds, c), append(seeds, seed)
	}
	return creds, seeds
}

func gzipped(t testing.TB, v any) int {
	raw, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	w.Write(raw)
	w.Close()
	return b.Len()
}

// A seeded credential travels without its salts and decoys and expands
// to the byte-exact credential; a page of them is smaller on the wire.
func TestCompactSeeded(t *testing.T) {
	creds, seeds := seededCreds(t)
	var plainPage, seededPage []protocol.Change
	for i, cred := range creds {
		c, ok := protocol.CompactSeeded(cred, seeds[i])
		if !ok || c.Seed == "" {
			t.Fatalf("not seeded: %+v", c)
		}
		for _, d := range c.Disclosures {
			if !strings.HasPrefix(d, `["",`) {
				t.Fatalf("a salt travels: %s", d)
			}
		}
		if n := strings.Count(c.Payload, `"~d`); n != 3 {
			t.Errorf("%d decoy placeholders, want 3", n)
		}
		b, _ := json.Marshal(protocol.Change{Seq: int64(i + 1), Compact: &c})
		var ch protocol.Change
		if err := json.Unmarshal(b, &ch); err != nil {
			t.Fatal(err)
		}
		if back, err := ch.SDJWT(); err != nil || back != cred {
			t.Fatalf("expand: %v; equal=%v", err, back == cred)
		}
		plain, _ := protocol.Compact(cred)
		plainPage = append(plainPage, protocol.Change{Seq: int64(i + 1), Compact: &plain})
		seededPage = append(seededPage, protocol.Change{Seq: int64(i + 1), Compact: &c})
	}
	p, s := gzipped(t, plainPage), gzipped(t, seededPage)
	t.Logf("%d records gzip'ed: %d bytes compact (%d a record), %d seeded (%d a record)", len(creds), p, p/len(creds), s, s/len(creds))
	if s >= p {
		t.Errorf("seeded page %d bytes, plain %d", s, p)
	}

	// Under another seed the salts differ: the form falls back to Compact.
	other := make([]byte, sdjwt.SeedSize)
	if c, ok := protocol.CompactSeeded(creds[0], other); !ok || c.Seed != "" {
		t.Errorf("wrong seed: %+v, %v", c, ok)
	}
	// A credential issued without a seed is unchanged.
	unseeded := issued(t)[0]
	if c, ok := protocol.CompactSeeded(unseeded, seeds[0]); !ok || c.Seed != "" {
		t.Errorf("unseeded credential: %+v, %v", c, ok)
	}

	good, _ := protocol.CompactSeeded(creds[0], seeds[0])
	for name, edit := range map[string]func(c *protocol.CompactCredential){
		"short seed":           func(c *protocol.CompactCredential) { c.Seed = c.Seed[:20] },
		"seed not base64url":   func(c *protocol.CompactCredential) { c.Seed = "!" + c.Seed[1:] },
		"decoy without a seed": func(c *protocol.CompactCredential) { c.Seed = "" },
		"decoy twice":          func(c *protocol.CompactCredential) { c.Payload = strings.Replace(c.Payload, `"~d1"`, `"~d0"`, 1) },
		"decoy out of range":   func(c *protocol.CompactCredential) { c.Payload = strings.Replace(c.Payload, `"~d1"`, `"~d99"`, 1) },
		"decoy not a number":   func(c *protocol.CompactCredential) { c.Payload = strings.Replace(c.Payload, `"~d1"`, `"~dx"`, 1) },
		"disclosure keeps a salt": func(c *protocol.CompactCredential) {
			c.Disclosures[0] = strings.Replace(c.Disclosures[0], `["",`, `["c2FsdA",`, 1)
		},
		"disclosure without name": func(c *protocol.CompactCredential) { c.Disclosures[0] = `["",1]` },
		"seed with a raw payload": func(c *protocol.CompactCredential) { c.RawPayload, c.Payload = "e30", "" },
	} {
		c := good
		c.Disclosures = append([]string(nil), good.Disclosures...)
		edit(&c)
		if _, err := c.Expand(); !errors.Is(err, protocol.ErrCompact) {
			t.Errorf("%s: %v", name, err)
		}
	}
	// Another seed of the right size expands, to a credential whose
	// digests no longer match: the wallet's verification refuses it.
	c := good
	c.Seed = strings.Repeat("A", 43)
	if back, err := c.Expand(); err != nil || back == creds[0] {
		t.Errorf("another seed: %v, same credential %v", err, back == creds[0])
	}
}
