package credential_test

import (
	"strings"
	"testing"

	"github.com/vnwallet/citizenwallet/crypto/keys"
	"github.com/vnwallet/citizenwallet/sync/credential"
	"github.com/vnwallet/citizenwallet/wallet"
	"github.com/vnwallet/citizenwallet/wallet/sample"
)

// TestSizeBoundsIssue: Size is never below the real length, and close to
// it, for every record type, both algorithms and a large record.
func TestSizeBoundsIssue(t *testing.T) {
	holder, _ := keys.Generate(keys.ES256)
	for _, alg := range []keys.Alg{keys.ES256, keys.EdDSA} {
		issuer, _ := keys.Generate(alg)
		for _, typ := range wallet.Types() {
			for i := 0; i < 5; i++ {
				r := sample.Record(typ, i)
				if i == 4 { // a long value with characters JSON escapes
					for name, v := range r.Claims {
						if s, ok := v.(string); ok {
							r.Claims[name] = s + strings.Repeat("ằ\"<", 40)
							if r.Validate() == nil {
								break
							}
							r.Claims[name] = s
						}
					}
				}
				citizen := sample.Profile(i).CitizenID
				cred, err := credential.Issue(r, citizen, issuer, holder.Public(), credential.IssueOptions{Province: "vn.dongnai", SignedAt: r.IssuedAt.AddDate(0, 0, 1),
					// As the warehouse issues: with a status entry.
					Status: &credential.StatusRef{Index: 1048575, URI: "https://dulieu.dongnai.gov.vn/status/v1/vn.dongnai.soyte/12"}})
				if err != nil {
					t.Fatalf("%s: %v", typ.Code, err)
				}
				got := credential.Size(r, citizen)
				if got < len(cred) || got > len(cred)+300 {
					t.Errorf("%s %s #%d: Size %d, real %d: want at least the real length and at most 300 more", alg, typ.Code, i, got, len(cred))
				}
			}
		}
	}
}
