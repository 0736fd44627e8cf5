package warehouse_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/vnwallet/citizenwallet/crypto/consent"
	"github.com/vnwallet/citizenwallet/crypto/keys"
	"github.com/vnwallet/citizenwallet/crypto/sdjwt"
	"github.com/vnwallet/citizenwallet/crypto/trust"
	"github.com/vnwallet/citizenwallet/sync/protocol"
	"github.com/vnwallet/citizenwallet/sync/warehouse"
)

// revocation is a revocation of consent id, given by dev for aud from
// iat to exp, revoked at iat, with its proof: an online reference, or
// (offline) a key-binding JWT as an offline token ends with.
func revocation(t *testing.T, dev *keys.PrivateKey, id, aud string, iat, exp time.Time, offline bool) protocol.Revocation {
	t.Helper()
	var proof string
	var err error
	if offline {
		proof, err = keys.SignJWT(dev, sdjwt.TypKeyBinding, map[string]any{"jti": id, "aud": aud, "iat": iat.Unix(), "exp": exp.Unix(),
			"nonce": "n", "sd_hash": "x", "purpose": "p"})
	} else {
		proof, _, err = consent.BuildReference(dev, consent.Reference{ID: id, Audience: aud, IssuedAt: iat.Unix(), Expires: exp.Unix(), Purpose: "p",
			Scope: []consent.ScopeItem{{RecordID: "r", Claims: []string{"full_name"}}}})
	}
	if err != nil {
		t.Fatal(err)
	}
	return protocol.Revocation{ConsentID: id, RevokedAt: iat, Proof: proof}
}

// post uploads revocations from dev and decodes the answer.
func (f *fixture) revoke(dev *keys.PrivateKey, revs ...protocol.Revocation) (int, protocol.RevocationsResponse, []byte) {
	f.t.Helper()
	body, _ := json.Marshal(protocol.RevocationsRequest{Revocations: revs})
	st, b := f.signed(dev, "POST", protocol.PathRevocations, body)
	var resp protocol.RevocationsResponse
	if st == http.StatusOK {
		if err := json.Unmarshal(b, &resp); err != nil || len(resp.Results) != len(revs) {
			f.t.Fatalf("revocations response %s: %v", b, err)
		}
	}
	return st, resp, b
}

// onlineToken is an online token of dev's citizen for the first claim of
// its first record, for aud.
func (f *fixture) onlineToken(dev *keys.PrivateKey, citizen, aud string) (string, consent.Reference) {
	f.t.Helper()
	_, recs, err := f.srv.Latest(citizen)
	if err != nil || len(recs) == 0 {
		f.t.Fatalf("records of %s: %v", citizen, err)
	}
	var claim string
	for name := range recs[0].Claims {
		claim = name
		break
	}
	now := f.clock.now()
	tok, ref, err := consent.BuildReference(dev, consent.Reference{Audience: aud, Purpose: "p", IssuedAt: now.Unix(), Expires: now.Add(time.Hour).Unix(),
		Scope: []consent.ScopeItem{{RecordID: recs[0].ID, Claims: []string{claim}}}})
	if err != nil {
		f.t.Fatal(err)
	}
	return tok, ref
}

func (f *fixture) redeem(tok, aud string) (int, []byte) {
	f.t.Helper()
	body, _ := json.Marshal(protocol.RedeemRequest{Token: tok, Counter: protocol.Counter{Agency: aud, CounterID: "q1"}})
	st, b, _ := f.do("POST", protocol.PathRedeem, body, "")
	return st, b
}

// Attack 1: citizen B's device posts the consent id of citizen A's token
// (it is printed in every QR a counter scans). Refused without a proof,
// refused with A's token as the proof (not B's device), and with a proof
// B signed itself it names B's own consent: A's token still redeems. Only
// A's own revocation stops it.
func TestRevocationOnlyByItsCitizen(t *testing.T) {
	f := newFixture(t, warehouse.Config{})
	devA, citizenA := f.enrol(1)
	devB, _ := f.enrol(2)
	const aud = "vn.dongnai.soyte"
	tokA, refA := f.onlineToken(devA, citizenA, aud)
	now := f.clock.now().UTC().Truncate(time.Second)

	_, resp, b := f.revoke(devB, protocol.Revocation{ConsentID: refA.ID, RevokedAt: now})
	if r := resp.Results; len(r) != 1 || r[0].Status != protocol.RevocationRefused || r[0].Code != protocol.ErrCodeBadProof {
		t.Errorf("B revoking A's consent with no proof: %s", b)
	}
	_, resp, b = f.revoke(devB, protocol.Revocation{ConsentID: refA.ID, RevokedAt: now, Proof: tokA})
	if r := resp.Results; len(r) != 1 || r[0].Status != protocol.RevocationRefused || r[0].Code != protocol.ErrCodeBadProof {
		t.Errorf("B revoking A's consent with A's token as the proof: %s", b)
	}
	_, resp, b = f.revoke(devB, revocation(t, devB, refA.ID, aud, now, now.Add(time.Hour), false), revocation(t, devB, refA.ID, aud, now, now.Add(time.Hour), true))
	if r := resp.Results; len(r) != 2 || r[0].Status != protocol.RevocationListed || r[1].Status != protocol.RevocationListed {
		t.Errorf("B revoking its own consents that reuse A's id: %s", b)
	}
	if st, b := f.redeem(tokA, aud); st != http.StatusOK {
		t.Fatalf("A's token after B's revocations: %d %s; want it still valid", st, b)
	}
	if ok, _ := f.srv.Revoked(context.Background(), devA.KID(), refA.ID); ok {
		t.Error("A's consent is revoked")
	}

	// A revokes its own token: refused at once.
	tokA2, refA2 := f.onlineToken(devA, citizenA, aud)
	_, resp, b = f.revoke(devA, protocol.Revocation{ConsentID: refA2.ID, RevokedAt: now, Proof: tokA2})
	if r := resp.Results; len(r) != 1 || r[0].Status != protocol.RevocationListed {
		t.Fatalf("A revoking its token: %s", b)
	}
	if st, b := f.redeem(tokA2, aud); st != http.StatusGone || errCode(t, b) != protocol.ErrCodeRevoked {
		t.Errorf("A's revoked token: %d %s; want 410 revoked", st, b)
	}
	// A's other phone may revoke it too; a lost (disabled) phone's consents
	// stay revocable from the new one.
	phone2, _ := f.enrol(1)
	if _, err := f.srv.RevokeDevice(citizenA, devA.KID()); err != nil {
		t.Fatal(err)
	}
	_, resp, b = f.revoke(phone2, protocol.Revocation{ConsentID: refA.ID, RevokedAt: now, Proof: tokA})
	if r := resp.Results; len(r) != 1 || r[0].Status != protocol.RevocationListed {
		t.Errorf("the new phone revoking the lost phone's consent: %s", b)
	}
	if ok, _ := f.srv.Revoked(context.Background(), devA.KID(), refA.ID); !ok {
		t.Error("the lost phone's consent is not revoked")
	}
}

// What a revocation may say: not revoked in the future, nor before the
// consent was given; a proof of another consent, an over-long lifetime or
// a forged signature is refused; an expired consent has nothing to
// revoke. Each refusal stores nothing.
func TestRevocationRules(t *testing.T) {
	f := newFixture(t, warehouse.Config{})
	dev, _ := f.enrol(1)
	const aud = "vn.dongnai.ubnd-tanphong"
	now := f.clock.now().UTC().Truncate(time.Second)
	hour := now.Add(time.Hour)
	future := revocation(t, dev, "future", aud, now, hour, true)
	future.RevokedAt = time.Date(2299, 1, 1, 0, 0, 0, 0, time.UTC)
	early := revocation(t, dev, "early", aud, now, hour, true)
	early.RevokedAt = now.Add(-time.Hour)
	other := revocation(t, dev, "other", aud, now, hour, true)
	other.ConsentID = "not-other"
	forged := revocation(t, dev, "forged", aud, now, hour, true)
	forged.Proof = forged.Proof[:len(forged.Proof)-4] + map[bool]string{true: "AAAA", false: "BBBB"}[forged.Proof[len(forged.Proof)-4:] != "AAAA"]
	tooLong := revocation(t, dev, "long", aud, now, now.Add(consent.MaxLifetime+time.Hour), true)
	stranger := revocation(t, newKey(t), "stranger", aud, now, hour, true)
	expired := revocation(t, dev, "expired", aud, now.Add(-2*time.Hour), now.Add(-time.Hour), true)
	good := revocation(t, dev, "good", aud, now, hour, true)
	_, resp, b := f.revoke(dev, future, early, other, forged, tooLong, stranger, expired, good)
	want := []string{protocol.RevocationRefused, protocol.RevocationRefused, protocol.RevocationRefused, protocol.RevocationRefused,
		protocol.RevocationRefused, protocol.RevocationRefused, protocol.RevocationExpired, protocol.RevocationListed}
	for i, r := range resp.Results {
		if r.Status != want[i] || (r.Status == protocol.RevocationRefused && r.Message == "") {
			t.Errorf("revocation %d (%s): %+v; want %s with a reason", i, r.ConsentID, r, want[i])
		}
	}
	if resp.Accepted != 2 {
		t.Errorf("accepted %d; want 2 (%s)", resp.Accepted, b)
	}
	for _, id := range []string{"future", "early", "other", "not-other", "forged", "long", "expired"} {
		if ok, _ := f.srv.Revoked(context.Background(), dev.KID(), id); ok {
			t.Errorf("%s was stored", id)
		}
	}
	if ok, _ := f.srv.Revoked(context.Background(), dev.KID(), "good"); !ok {
		t.Error("the good revocation was not stored")
	}
	// Sending the same again is harmless.
	if _, resp, b := f.revoke(dev, good); resp.Accepted != 1 || resp.Results[0].Status != protocol.RevocationListed {
		t.Errorf("sending a revocation again: %s", b)
	}
	// Over 100 in one request: refused whole.
	many := make([]protocol.Revocation, protocol.MaxRevocationsPerRequest+1)
	for i := range many {
		many[i] = good
	}
	if st, _, b := f.revoke(dev, many...); st != http.StatusBadRequest {
		t.Errorf("%d revocations in one request: %d %s", len(many), st, b)
	}
}

// fetchList fetches and verifies one page of the revocation list for aud.
func (f *fixture) fetchList(aud string, since int64) (*consent.RevocationList, int) {
	f.t.Helper()
	st, b, _ := f.do("GET", fmt.Sprintf("%s?aud=%s&since=%d", protocol.PathRevocationList, aud, since), nil, "")
	if st != http.StatusOK {
		f.t.Fatalf("revocation list: %d %s", st, b)
	}
	var resp protocol.RevocationListResponse
	if err := json.Unmarshal(b, &resp); err != nil {
		f.t.Fatal(err)
	}
	tl, err := trust.Verify(f.srv.TrustList(), f.srv.RootKey())
	if err != nil {
		f.t.Fatal(err)
	}
	l, err := consent.VerifyRevocationList(resp.List, tl)
	if err != nil {
		f.t.Fatalf("the served revocation list does not verify: %v", err)
	}
	return l, len(b)
}

// Attack 2: one enrolled phone floods the list with revocations (the
// reported attack: 100 requests × 1 000 random ids). It is throttled at
// its hourly limit (429 too_many, Retry-After) and stopped at its live
// limit; the list a counter fetches stays within them, and every entry
// leaves the list when its consent expires.
func TestRevocationFlood(t *testing.T) {
	f := newFixture(t, warehouse.Config{})
	dev, _ := f.enrol(1)
	honest, _ := f.enrol(2)
	const aud = "vn.dongnai.ubnd-tanphong"
	lim := warehouse.RevocationLimits{Live: warehouse.DefaultLiveRevocations, PerHour: warehouse.DefaultRevocationsPerHour}
	listed, throttled := 0, 0
	for hour := 0; hour < 12; hour++ {
		for req := 0; req < 10; req++ {
			now := f.clock.now().UTC().Truncate(time.Second)
			revs := make([]protocol.Revocation, protocol.MaxRevocationsPerRequest)
			for i := range revs {
				revs[i] = revocation(t, dev, fmt.Sprintf("flood-%d-%d-%d", hour, req, i), aud, now, now.Add(consent.MaxLifetime), true)
			}
			st, resp, b := f.revoke(dev, revs...)
			switch {
			case st == http.StatusTooManyRequests:
				if errCode(t, b) != protocol.ErrCodeTooMany {
					t.Fatalf("throttled with %s", b)
				}
				throttled++
			case st == http.StatusOK:
				listed += resp.Accepted
			default:
				t.Fatalf("flood request: %d %s", st, b)
			}
		}
		// The revocations within the hourly limit: in chunks of 100 the
		// first chunk already passes 30, so try smaller ones too.
		for i := 0; i < lim.PerHour; i++ {
			now := f.clock.now().UTC().Truncate(time.Second)
			if st, resp, _ := f.revoke(dev, revocation(t, dev, fmt.Sprintf("small-%d-%d", hour, i), aud, now, now.Add(consent.MaxLifetime), true)); st == http.StatusOK {
				listed += resp.Accepted
			}
		}
		f.clock.add(time.Hour)
	}
	if throttled == 0 {
		t.Error("the flooding device was never throttled")
	}
	if listed > lim.Live {
		t.Errorf("%d revocations of one citizen listed; the limit is %d", listed, lim.Live)
	}
	if listed < lim.Live {
		t.Errorf("only %d revocations listed in 12 hours; the citizen may hold %d", listed, lim.Live)
	}
	// The honest citizen next door is not held back.
	now := f.clock.now().UTC().Truncate(time.Second)
	if _, resp, b := f.revoke(honest, revocation(t, honest, "mine", aud, now, now.Add(time.Hour), true)); resp.Accepted != 1 {
		t.Errorf("another citizen's revocation during the flood: %s", b)
	}
	l, size := f.fetchList(aud, 0)
	if len(l.Entries) != lim.Live+1 || l.More {
		t.Errorf("the list has %d entries (more %v); want %d", len(l.Entries), l.More, lim.Live+1)
	}
	t.Logf("list after the flood: %d entries, %d bytes", len(l.Entries), size)
	// When the consents expire, so do their revocations.
	f.clock.add(consent.MaxLifetime + time.Hour)
	if l, _ := f.fetchList(aud, 0); len(l.Entries) != 0 {
		t.Errorf("%d entries a month later; want none", len(l.Entries))
	}
	now = f.clock.now().UTC().Truncate(time.Second)
	if _, resp, b := f.revoke(dev, revocation(t, dev, "next-month", aud, now, now.Add(time.Hour), true)); resp.Accepted != 1 {
		t.Errorf("a revocation once the old ones expired: %s", b)
	}
}
