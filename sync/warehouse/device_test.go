package warehouse_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/vnwallet/citizenwallet/crypto/consent"
	"github.com/vnwallet/citizenwallet/sync/protocol"
	"github.com/vnwallet/citizenwallet/sync/warehouse"
)

// A lost phone: the citizen's old device is disabled through the admin
// API; its signed requests and its online tokens are refused with
// device_revoked, the citizen's new device goes on working, and devices
// of other citizens or unknown ids cannot be touched.
func TestRevokeDevice(t *testing.T) {
	f := newFixture(t, warehouse.Config{})
	lost, citizen := f.enrol(0)
	f.clock.add(time.Minute)
	phone, _ := f.enrol(0)
	other, otherCitizen := f.enrol(1)
	admin := newAdminAPI(t, f)
	post := func(path string) (int, []byte) { return admin.do("operator", "POST", path, nil) }

	devs, err := f.srv.Devices(citizen)
	if err != nil || len(devs) != 2 || devs[0].ID != lost.KID() || devs[1].ID != phone.KID() || !devs[0].RevokedAt.IsZero() {
		t.Fatalf("devices: %+v, %v", devs, err)
	}
	if st, _ := f.signed(lost, "GET", protocol.PathChanges, nil); st != 200 {
		t.Fatalf("before: %d", st)
	}

	// Neither another citizen's device nor an unknown id.
	for _, path := range []string{
		warehouse.AdminPathCitizens + "/" + citizen + "/devices/" + other.KID() + "/revoke",
		warehouse.AdminPathCitizens + "/" + citizen + "/devices/nosuchdevice/revoke",
	} {
		if st, _ := post(path); st != http.StatusNotFound {
			t.Errorf("%s: %d; want 404", path, st)
		}
	}
	if _, err := f.srv.Devices("000000000000"); !errors.Is(err, warehouse.ErrUnknownCitizen) {
		t.Errorf("devices of an unknown citizen: %v", err)
	}

	st, b := post(warehouse.AdminPathCitizens + "/" + citizen + "/devices/" + lost.KID() + "/revoke")
	var info warehouse.DeviceInfo
	if err := json.Unmarshal(b, &info); st != 200 || err != nil || info.ID != lost.KID() || info.RevokedAt.IsZero() {
		t.Fatalf("revoke: %d %s", st, b)
	}
	f.clock.add(time.Minute)
	if again, _ := f.srv.RevokeDevice(citizen, lost.KID()); !again.RevokedAt.Equal(info.RevokedAt) {
		t.Errorf("revoking again moved the time: %v → %v", info.RevokedAt, again.RevokedAt)
	}

	// The lost device: refused, with its own code.
	for _, path := range []string{protocol.PathChanges, protocol.PathAccessLog} {
		if st, b := f.signed(lost, "GET", path, nil); st != http.StatusUnauthorized || errCode(t, b) != protocol.ErrCodeDeviceOff {
			t.Errorf("lost device %s: %d %s", path, st, b)
		}
	}
	ref, _, err := consent.BuildReference(lost, consent.Reference{Audience: "vn.dongnai.soyte", Purpose: "medical_care",
		IssuedAt: f.clock.now().Unix(), Scope: []consent.ScopeItem{{RecordID: "identity.citizen-x", Claims: []string{"full_name"}}}})
	if err != nil {
		t.Fatal(err)
	}
	body, _ := json.Marshal(protocol.RedeemRequest{Token: ref, Counter: protocol.Counter{Agency: "vn.dongnai.soyte"}})
	if st, b, _ := f.do("POST", protocol.PathRedeem, body, ""); st != http.StatusUnauthorized || errCode(t, b) != protocol.ErrCodeDeviceOff {
		t.Errorf("online token of the lost device: %d %s", st, b)
	}

	// The new phone and the other citizen: unaffected.
	if st, _ := f.signed(phone, "GET", protocol.PathChanges, nil); st != 200 {
		t.Errorf("the citizen's new phone: %d", st)
	}
	if st, _ := f.signed(other, "GET", protocol.PathChanges, nil); st != 200 {
		t.Errorf("citizen %s: %d", otherCitizen, st)
	}
	devs, _ = f.srv.Devices(citizen)
	if devs[0].RevokedAt.IsZero() || !devs[1].RevokedAt.IsZero() {
		t.Errorf("devices after: %+v", devs)
	}
}
