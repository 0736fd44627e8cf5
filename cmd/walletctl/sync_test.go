package main

import (
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/vnwallet/citizenwallet/sync/warehouse"
	"github.com/vnwallet/citizenwallet/sync/warehouse/demo"
	"github.com/vnwallet/citizenwallet/sync/warehouse/warehousetest"
)

// Enrol and sync a demo citizen against a real warehouse on loopback;
// then a correction, a cut network and bad input.
func TestEnrolAndSync(t *testing.T) {
	prov, _ := demo.New(20, 3)
	srv, ts := warehousetest.Start(t, warehouse.Config{}, prov)
	p, recs := prov.Citizen(0)
	rootFile, ctl := demoProfile(t, srv, p)

	r := ctl("sync")
	r.want(t, exitNotFound)
	if !strings.Contains(r.stderr, "walletctl enrol") {
		t.Errorf("sync before enrolment: %s", r.stderr)
	}
	r = ctl("enrol", "--warehouse", ts.URL, "--root-key", rootFile, "--code", "AAAAA-AAAAA")
	r.want(t, exitInvalid)
	if !strings.Contains(r.stderr, "mã đăng ký sai") {
		t.Errorf("wrong code: %s", r.stderr)
	}
	r = ctl("enrol", "--warehouse", ts.URL, "--root-key", filepath.Join(t.TempDir(), "missing.jwk"), "--code", "AAAAA-AAAAA")
	r.want(t, exitInvalid)

	code, err := srv.EnrolmentCode(p.CitizenID)
	if err != nil {
		t.Fatal(err)
	}
	r = ctl("enrol", "--warehouse", ts.URL, "--root-key", rootFile, "--code", code)
	r.want(t, exitOK)
	if !strings.Contains(r.stdout, p.CitizenID) {
		t.Errorf("enrol output: %s", r.stdout)
	}
	latest := map[string]bool{}
	for _, rec := range recs {
		latest[rec.ID] = true
	}
	r = ctl("sync")
	r.want(t, exitOK)
	if !strings.Contains(r.stdout, "Xong / done: ") || strings.Contains(r.stdout, "REJECTED") {
		t.Errorf("sync output:\n%s", r.stdout)
	}
	r = ctl("list")
	r.want(t, exitOK)
	if n := len(listedIDs(r.stdout)); n != len(latest) {
		t.Errorf("listed %d records after sync, want %d\n%s", n, len(latest), r.stdout)
	}

	// The agency corrects a record; the next sync brings version 2.
	_, cur, _ := srv.Latest(p.CitizenID)
	fix := cur[0]
	fix.Version, fix.Credential = 0, ""
	if _, err := srv.Issue(p.CitizenID, fix); err != nil {
		t.Fatal(err)
	}
	r = ctl("sync")
	r.want(t, exitOK)
	if !strings.Contains(r.stdout, "Xong / done: 0 mới / new, 1 cập nhật / updated") {
		t.Errorf("sync after a correction:\n%s", r.stdout)
	}
	r = ctl("show", fix.ID)
	r.want(t, exitOK)
	if !regexp.MustCompile(`Phiên bản / Version:\s+2 `).MatchString(r.stdout) || !strings.Contains(r.stdout, "đã kiểm tra khi đồng bộ") ||
		!regexp.MustCompile(`(?m)^  v1\s`).MatchString(r.stdout) {
		t.Errorf("show after correction:\n%s", r.stdout)
	}

	// A cut network: a clear error, and the records stay.
	ts.Close()
	r = ctl("sync")
	r.want(t, exitFailure)
	if !strings.Contains(r.stderr, "không kết nối được kho dữ liệu") {
		t.Errorf("offline sync: %s", r.stderr)
	}
	r = ctl("list")
	if n := len(listedIDs(r.stdout)); n != len(latest) {
		t.Errorf("listed %d records after a failed sync, want %d", n, len(latest))
	}
}
