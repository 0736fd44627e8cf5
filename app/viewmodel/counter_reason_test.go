package viewmodel

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/vnwallet/citizenwallet/assets"
	"github.com/vnwallet/citizenwallet/crypto/consent"
	"github.com/vnwallet/citizenwallet/crypto/trust"
)

// The refusals the whole-app test (app/counter_status_test.go) cannot
// provoke through a warehouse: the reference warehouse never suspends a
// credential, a spliced token needs two tokens cut and glued, a status
// reference that points at another agency's list needs a forged
// credential. Each sentinel is wrapped as crypto/consent.Verify and
// sync/counter wrap it ("record i of n: …"), and each gets its own plain
// sentence, not the generic "could not be verified".
func TestCounterReasonNewRefusals(t *testing.T) {
	if err := assets.UseLanguage("vi"); err != nil {
		t.Fatal(err)
	}
	const uri = "https://kho.dongnai.gov.vn/status/v1/vn.dongnai.bhxh/0"
	inRecord := func(err error) error { return fmt.Errorf("record 1 of 2: %w", err) }
	cases := []struct {
		name   string
		err    error
		agency string
		want   string
	}{
		{"suspended", inRecord(fmt.Errorf("%w: %s entry 7 is SUSPENDED (list 1h0m0s old)", consent.ErrSuspended, uri)), "Bảo hiểm xã hội tỉnh Đồng Nai",
			"Giấy tờ này đang bị Bảo hiểm xã hội tỉnh Đồng Nai tạm đình chỉ, tạm thời không sử dụng được. Không chấp nhận; công dân cần liên hệ cơ quan này."},
		{"suspended, agency unknown", inRecord(fmt.Errorf("%w: %s entry 7 is SUSPENDED", consent.ErrSuspended, uri)), "",
			"Giấy tờ này đang bị cơ quan cấp tạm đình chỉ, tạm thời không sử dụng được. Không chấp nhận; công dân cần liên hệ cơ quan đã cấp."},
		{"withdrawn, agency unknown", inRecord(fmt.Errorf("%w: %s entry 7 is INVALID", consent.ErrWithdrawn, uri)), "",
			"Giấy tờ này đã bị cơ quan cấp thu hồi, không còn giá trị sử dụng. Không chấp nhận."},
		{"spliced", fmt.Errorf("%w: record 2 of 2: %w", consent.ErrSpliced, errors.New("another audience, nonce or time")), "",
			"Các giấy tờ trong mã này không được chia sẻ cùng một lần: mã đã bị ghép hoặc chỉnh sửa. Không chấp nhận."},
		{"status reference", inRecord(fmt.Errorf("%w: %w", consent.ErrStatus, trust.ErrUnknownIssuer)), "",
			"Thông tin để kiểm tra thu hồi của giấy tờ này không hợp lệ (trỏ tới danh sách không phải của cơ quan cấp). Không chấp nhận."},
		{"compromised key, agency unknown", inRecord(fmt.Errorf("%w: %w", consent.ErrKeyCompromised, trust.ErrKeyCompromised)), "",
			"Giấy tờ này được ký bằng khóa đã bị lộ của cơ quan cấp"},
		{"credential expired", inRecord(fmt.Errorf("%w: expired", consent.ErrCredentialExpired)), "",
			"Hãy đề nghị công dân mở ứng dụng ở nơi có sóng, bấm \"Đồng bộ\" để đồng bộ lại, rồi chia sẻ lại."},
	}
	for _, c := range cases {
		got := refusal(c.err, c.agency)
		if !strings.Contains(got, c.want) {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
		if strings.Contains(got, "Không kiểm tra được mã") || strings.Contains(got, "consent token rejected") {
			t.Errorf("%s: the generic sentence with the technical error: %q", c.name, got)
		}
	}
}

// The withdrawal note of a verified token: the oldest list's age in
// words when every record was checked; a line naming the record and its
// agency for each one that was not, saying why (no list yet, a list out
// of date, a record without status), and only then unchecked.
func TestWithdrawalNote(t *testing.T) {
	if err := assets.UseLanguage("vi"); err != nil {
		t.Fatal(err)
	}
	fields := []consent.Field{
		{Record: 1, Type: "health.insurance_card", Claim: "card_number", Issuer: "vn.dongnai.bhxh", IssuerName: trust.Name{VI: "Bảo hiểm xã hội tỉnh Đồng Nai"}},
		{Record: 2, Type: "identity.citizen", Claim: "citizen_id", Issuer: "vn.dongnai.congan", IssuerName: trust.Name{VI: "Công an tỉnh Đồng Nai"}},
	}
	checked := func(age time.Duration) consent.CredentialStatus {
		return consent.CredentialStatus{URI: "https://x/status/v1/a/0", Checked: true, Age: age}
	}
	note, unchecked := withdrawalNote(&consent.Result{Fields: fields, Statuses: []consent.CredentialStatus{checked(2*time.Hour + 5*time.Minute), checked(10 * time.Minute)}})
	if note != "Đã kiểm tra thu hồi theo danh sách cập nhật 2 giờ trước." || unchecked {
		t.Errorf("both checked: %q %v", note, unchecked)
	}
	note, unchecked = withdrawalNote(&consent.Result{Fields: fields, Statuses: []consent.CredentialStatus{
		checked(3 * time.Minute), {URI: "https://x/status/v1/congan/0", Reason: "counter: the status list held has expired", Age: 3 * 24 * time.Hour}}})
	if !unchecked || note != "Đã kiểm tra thu hồi theo danh sách cập nhật 3 phút trước.\n"+
		"Chưa kiểm tra được Thông tin công dân (CCCD) có bị thu hồi hay không (danh sách của Công an tỉnh Đồng Nai trên máy đã cũ, cập nhật 3 ngày trước). Bấm Làm mới khi có mạng." {
		t.Errorf("a list out of date: %q %v", note, unchecked)
	}
	note, unchecked = withdrawalNote(&consent.Result{Fields: fields[:1], Statuses: []consent.CredentialStatus{{Reason: "the record carries no status"}}})
	if !unchecked || !strings.HasPrefix(note, "Chưa kiểm tra được Thẻ bảo hiểm y tế có bị thu hồi hay không (giấy tờ này không có thông tin") {
		t.Errorf("a record without status: %q %v", note, unchecked)
	}
	if note, unchecked := withdrawalNote(&consent.Result{Fields: fields}); note != "" || unchecked {
		t.Errorf("an online token (no statuses): %q %v", note, unchecked)
	}
}
