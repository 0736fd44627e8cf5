package main

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/vnwallet/citizenwallet/assets"
	"github.com/vnwallet/citizenwallet/crypto/qrtext"
	"github.com/vnwallet/citizenwallet/sync/warehouse"
	"github.com/vnwallet/citizenwallet/sync/warehouse/demo"
	"github.com/vnwallet/citizenwallet/sync/warehouse/warehousetest"
	"github.com/vnwallet/citizenwallet/wallet"
)

// Share at the citizen's side, verify at the counter's, with the QR
// images in between: preview without --yes shares nothing; a removed
// field shows as lacking and does not leave; the counter verifies once,
// refuses the replay and another audience, and works offline from its
// cached trust list.
func TestShareAndVerify(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	prov, _ := demo.New(100, 11)
	srv, ts := warehousetest.Start(t, warehouse.Config{}, prov)
	cat, _ := assets.Procedures()
	proc, _ := cat.Lookup("civil.birth_registration")
	citizen := -1
	for i := 0; i < prov.Citizens() && citizen < 0; i++ {
		_, recs := prov.Citizen(i)
		if len(wallet.Propose(proc, recs).Lacking()) == 0 {
			citizen = i
		}
	}
	p, _ := prov.Citizen(citizen)
	rootFile, ctl := demoProfile(t, srv, p)
	code, _ := srv.EnrolmentCode(p.CitizenID)
	ctl("enrol", "--warehouse", ts.URL, "--root-key", rootFile, "--code", code).want(t, exitOK)
	ctl("sync").want(t, exitOK)

	r := ctl("share", "--procedure", "civil.birth_registration", "--to", "vn.dongnai.ubnd-tamhiep")
	r.want(t, exitOK)
	if !strings.Contains(r.stdout, "Sẽ rời khỏi máy") || !strings.Contains(r.stdout, "Chưa chia sẻ gì") || strings.Contains(r.stdout, qrtext.PrefixNumeric) {
		t.Fatalf("preview:\n%s", r.stdout)
	}
	qr := filepath.Join(t.TempDir(), "qr")
	r = ctl("share", "--procedure", "civil.birth_registration", "--to", "vn.dongnai.ubnd-tamhiep", "--remove", "identity.citizen.nationality", "--qr-dir", qr, "--yes")
	r.want(t, exitOK)
	if !strings.Contains(r.stdout, "Thủ tục còn thiếu") || !strings.Contains(r.stdout, "Đã chia sẻ") {
		t.Fatalf("share:\n%s", r.stdout)
	}
	images, _ := filepath.Glob(filepath.Join(qr, "*.png"))
	if len(images) == 0 {
		t.Fatal("no QR images written")
	}
	verify := func(audience string, extra ...string) result {
		args := []string{"verify", "--root-key", rootFile, "--warehouse", ts.URL, "--audience", audience}
		for _, img := range images {
			args = append(args, "--image", img)
		}
		return walletctl(t, "", append(args, extra...)...)
	}
	r = verify("vn.dongnai.sotuphap")
	r.want(t, exitInvalid)
	if !strings.Contains(r.stderr, "KHÔNG HỢP LỆ") || !strings.Contains(r.stderr, "another recipient") {
		t.Errorf("wrong audience: %s", r.stderr)
	}
	r = verify("vn.dongnai.ubnd-tamhiep")
	r.want(t, exitOK)
	if !strings.Contains(r.stdout, "HỢP LỆ / VALID") || !strings.Contains(r.stdout, p.FullName) || strings.Contains(r.stdout, "Quốc tịch") {
		t.Errorf("verify:\n%s", r.stdout)
	}
	// This warehouse publishes no status lists: the verdict says the
	// agency's withdrawal could not be checked.
	if !strings.Contains(r.stdout, "could not check whether vn.bca.cuc-c06 withdrew record 1") {
		t.Errorf("verify without status lists says nothing of withdrawals:\n%s", r.stdout)
	}
	r = verify("vn.dongnai.ubnd-tamhiep")
	r.want(t, exitInvalid)
	if !strings.Contains(r.stderr, "already used") {
		t.Errorf("replay: %s", r.stderr)
	}

	// The citizen sees the consent, revokes it; the warehouse learns it at
	// the next sync.
	r = ctl("consents")
	r.want(t, exitOK)
	if !strings.Contains(r.stdout, "active") || !strings.Contains(r.stdout, "identity.citizen.citizen_id") {
		t.Errorf("consents:\n%s", r.stdout)
	}
	id := strings.Fields(r.stdout)[0]
	proof := filepath.Join(t.TempDir(), "proof.json")
	ctl("consents", "--export", proof).want(t, exitOK)
	doc, _ := os.ReadFile(proof)
	if !strings.Contains(string(doc), id) || !strings.Contains(string(doc), `"signature"`) {
		t.Errorf("exported proof:\n%s", doc)
	}
	ctl("revoke", id).want(t, exitOK)
	r = ctl("sync")
	r.want(t, exitOK)
	if !strings.Contains(r.stdout, "1 thu hồi đã gửi") {
		t.Errorf("sync after revoke:\n%s", r.stdout)
	}
	holder := regexp.MustCompile(`"holder":\s*"([^"]+)"`).FindStringSubmatch(string(doc))
	if holder == nil {
		t.Fatalf("the exported consent names no holder key:\n%s", doc)
	}
	if ok, _ := srv.Revoked(context.Background(), holder[1], id); !ok {
		t.Errorf("the warehouse does not know %s is revoked", id)
	}
	if r = ctl("consents"); !strings.Contains(r.stdout, id+"  revoked") {
		t.Errorf("consents after revoke:\n%s", r.stdout)
	}

	// The counter has the revocation list now: the first token is refused
	// as revoked.
	r = verify("vn.dongnai.ubnd-tamhiep")
	r.want(t, exitInvalid)
	if !strings.Contains(r.stderr, "revoked") {
		t.Errorf("revoked token: %s", r.stderr)
	}

	// An online token: one QR, redeemed at the warehouse once.
	r = ctl("share", "--procedure", "civil.birth_registration", "--to", "vn.dongnai.ubnd-tamhiep", "--online", "--single-use", "--yes")
	r.want(t, exitOK)
	var online []string
	for _, l := range strings.Split(r.stdout, "\n") {
		if strings.HasPrefix(l, qrtext.PrefixNumeric) {
			online = append(online, l)
		}
	}
	if len(online) != 1 {
		t.Fatalf("online token in %d QR codes", len(online))
	}
	redeem := func() result {
		return walletctl(t, online[0]+"\n", "verify", "--root-key", rootFile, "--warehouse", ts.URL, "--audience", "vn.dongnai.ubnd-tamhiep", "--counter", "q7")
	}
	r = redeem()
	r.want(t, exitOK)
	if !strings.Contains(r.stdout, "HỢP LỆ / VALID") || !strings.Contains(r.stdout, p.FullName) {
		t.Errorf("online verify:\n%s", r.stdout)
	}
	r = redeem()
	r.want(t, exitInvalid)
	if !strings.Contains(r.stderr, "redeemed before") {
		t.Errorf("online replay: %s", r.stderr)
	}

	// Offline: a new share verifies from the cached trust list, QR text
	// typed by a keyboard-wedge scanner on stdin.
	r = ctl("share", "--procedure", "civil.birth_registration", "--to", "vn.dongnai.ubnd-tamhiep", "--yes")
	var parts []string
	for _, l := range strings.Split(r.stdout, "\n") {
		if strings.HasPrefix(l, qrtext.PrefixNumeric) {
			parts = append(parts, l)
		}
	}
	ts.Close()
	r = walletctl(t, strings.Join(parts, "\r\n")+"\r\n", "verify", "--root-key", rootFile, "--warehouse", ts.URL, "--audience", "vn.dongnai.ubnd-tamhiep")
	r.want(t, exitOK)
	if !strings.Contains(r.stdout, "ngoại tuyến") || !strings.Contains(r.stdout, "HỢP LỆ") {
		t.Errorf("offline verify:\n%s", r.stdout)
	}
}
