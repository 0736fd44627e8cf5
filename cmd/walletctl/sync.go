package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/vnwallet/citizenwallet/cmd/internal/cli"
	"github.com/vnwallet/citizenwallet/crypto/keys"
	"github.com/vnwallet/citizenwallet/sync/client"
	"github.com/vnwallet/citizenwallet/sync/credential"
	"github.com/vnwallet/citizenwallet/sync/protocol"
	"github.com/vnwallet/citizenwallet/wallet"
	"github.com/vnwallet/citizenwallet/wallet/share"
)

// ---- enrol ----

type enrolArgs struct{ warehouse, rootKey, code, label string }

func setupEnrol(fs *flag.FlagSet) runner {
	var a enrolArgs
	fs.StringVar(&a.warehouse, "warehouse", "http://127.0.0.1:8640", "warehouse address")
	fs.StringVar(&a.rootKey, "root-key", "", "the province root key (JWK file; `warehouse serve` writes root-key.jwk)")
	fs.StringVar(&a.code, "code", "", "enrolment code (XXXXX-XXXXX)")
	fs.StringVar(&a.label, "label", "", "device name shown to the citizen")
	return func(e *env, args []string) error { return cmdEnrol(e, a, args) }
}

func cmdEnrol(e *env, a enrolArgs, args []string) error {
	if len(args) != 0 || a.rootKey == "" || a.code == "" {
		return cli.Usagef("cách dùng / usage: walletctl enrol --root-key FILE --code XXXXX-XXXXX [--warehouse URL]")
	}
	root, err := readRootKey(a.rootKey)
	if err != nil {
		return err
	}
	if a.label == "" {
		host, _ := os.Hostname()
		a.label = "walletctl " + host
	}
	c, err := client.New(client.Config{BaseURL: a.warehouse, RootKey: root})
	if err != nil {
		return cli.Usagef("--warehouse %q: %v", a.warehouse, err)
	}
	return e.withStore(func(s wallet.Store) error {
		resp, err := c.Enrol(e.ctx, s, strings.TrimSpace(a.code), a.label)
		if err != nil {
			return syncError(err)
		}
		fmt.Fprintf(e.stdout, "Đã đăng ký thiết bị / device enrolled: %s cho / for %s\nĐồng bộ bằng / sync with: walletctl sync\n", resp.DeviceID, resp.CitizenID)
		return nil
	})
}

// readRootKey reads the province root key (a public JWK file).
func readRootKey(path string) (*keys.PublicKey, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, &cli.Error{Code: exitInvalid, Msg: fmt.Sprintf("không đọc được khóa gốc / cannot read the root key: %v", err)}
	}
	root, err := keys.ParsePublicJWK(b)
	if err != nil {
		return nil, &cli.Error{Code: exitInvalid, Msg: fmt.Sprintf("%s không phải khóa gốc (JWK) / is not a root key (JWK): %v", path, err)}
	}
	return root, nil
}

// ---- sync ----

func cmdSync(e *env, args []string) error {
	if len(args) != 0 {
		return cli.Usagef("cách dùng / usage: walletctl sync")
	}
	return e.withStore(func(s wallet.Store) error {
		base, root, err := client.Warehouse(e.ctx, s)
		if err != nil {
			return syncError(err)
		}
		c, err := client.New(client.Config{BaseURL: base, RootKey: root})
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "Đồng bộ với / syncing with %s\n", base)
		res, err := c.Sync(e.ctx, s, wallet.ProgressFunc(func(p wallet.SyncProgress) {
			fmt.Fprintf(e.stdout, "  %d hồ sơ / records, %s/%s\n", p.Records, kb(p.BytesDone), kb(p.BytesTotal))
		}))
		for _, r := range res.Rejected {
			fmt.Fprintf(e.stdout, "  TỪ CHỐI / REJECTED %s v%d: %s\n", r.RecordID, r.Version, rejectReason(r.Err))
		}
		if err != nil {
			if res.Records > 0 {
				fmt.Fprintf(e.stdout, "Đã lưu %d hồ sơ trước khi dừng; lần sau sẽ tiếp tục / stored %d records before stopping; the next sync resumes\n", res.Records, res.Records)
			}
			return syncError(err)
		}
		fmt.Fprintf(e.stdout, "Xong / done: %d mới / new, %d cập nhật / updated, %d bị thu hồi / withdrawn; đang giữ / holding %d hồ sơ / records; %d bị từ chối / rejected, %s nhận / received\n",
			res.New, res.Updated, res.Withdrawn, res.Held, len(res.Rejected), kb(res.Bytes))
		h, err := wallet.OpenConsentHistory(e.ctx, s)
		if err != nil {
			return err
		}
		cr, err := c.SyncConsents(e.ctx, s, h, e.now())
		if err != nil {
			return syncError(err)
		}
		fmt.Fprintf(e.stdout, "Đồng ý / consents: %d thu hồi đã gửi / revocations sent, %d lượt sử dụng mới / new uses\n", cr.RevocationsSent, cr.UsesRecorded)
		return nil
	})
}

func kb(n int64) string {
	if n < 1024 {
		return fmt.Sprintf("%d B", n)
	}
	return fmt.Sprintf("%.1f KB", float64(n)/1024)
}

// rejectReason explains why a record was not stored.
func rejectReason(err error) string {
	switch {
	case errors.Is(err, credential.ErrForged):
		return "chữ ký không hợp lệ (giả mạo hoặc bị sửa) / invalid signature (forged or altered)"
	case errors.Is(err, credential.ErrUnknownIssuer):
		return "cơ quan cấp không có trong danh sách tin cậy / issuer not in the trust list"
	case errors.Is(err, credential.ErrIssuerKey):
		return "khóa của cơ quan cấp không còn hiệu lực khi ký / issuer key not valid at signing time"
	case errors.Is(err, credential.ErrOtherCitizen):
		return "hồ sơ của người khác / record of another citizen"
	case errors.Is(err, credential.ErrOtherDevice):
		return "hồ sơ dành cho thiết bị khác / record bound to another device"
	}
	return err.Error()
}

// syncError turns a sync or enrolment failure into what to do.
func syncError(err error) error {
	var se *client.ServerError
	switch {
	case errors.Is(err, client.ErrNotEnrolled):
		return &cli.Error{Code: exitNotFound, Msg: "thiết bị chưa đăng ký với kho dữ liệu, hãy chạy \"walletctl enrol\" / this device is not enrolled, run \"walletctl enrol\""}
	case errors.Is(err, client.ErrOffline):
		return &cli.Error{Code: exitFailure, Msg: fmt.Sprintf("không kết nối được kho dữ liệu; dữ liệu trên máy không thay đổi, hãy thử lại khi có mạng / cannot reach the warehouse; nothing on this device changed, try again when online (%v)", err)}
	case errors.As(err, &se) && se.Code == protocol.ErrCodeBadCode:
		return &cli.Error{Code: exitInvalid, Msg: fmt.Sprintf("mã đăng ký sai, đã dùng hoặc hết hạn / the enrolment code is wrong, used or expired (%v)", err)}
	case errors.Is(err, client.ErrRefused):
		return &cli.Error{Code: exitFailure, Msg: fmt.Sprintf("kho dữ liệu từ chối yêu cầu / the warehouse refused the request (%v)", err)}
	case errors.Is(err, client.ErrBadResponse):
		return &cli.Error{Code: exitFailure, Msg: fmt.Sprintf("kho dữ liệu trả lời sai định dạng; dữ liệu trên máy không thay đổi / bad answer from the warehouse; nothing on this device changed (%v)", err)}
	}
	return err
}

// ---- consents, revoke ----

func setupConsents(fs *flag.FlagSet) runner {
	export := fs.String("export", "", "write the history, signed with the device key, to this file")
	return func(e *env, args []string) error { return cmdConsents(e, *export, args) }
}

func cmdConsents(e *env, export string, args []string) error {
	if len(args) != 0 {
		return cli.Usagef("cách dùng / usage: walletctl consents [--export FILE]")
	}
	return e.withStore(func(s wallet.Store) error {
		h, err := wallet.OpenConsentHistory(e.ctx, s)
		if err != nil {
			return err
		}
		if export != "" {
			dev, err := client.DeviceKey(e.ctx, s)
			if err != nil {
				return syncError(err)
			}
			doc, err := share.ExportProof(e.ctx, h, dev, e.now())
			if err != nil {
				return err
			}
			if err := os.WriteFile(export, doc, 0o600); err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "Đã xuất, có chữ ký của thiết bị / exported, signed by the device key %s: %s\n", dev.KID(), export)
			return nil
		}
		all, err := h.List(e.ctx, e.now())
		if err != nil {
			return err
		}
		if len(all) == 0 {
			fmt.Fprintln(e.stdout, "Chưa chia sẻ lần nào / nothing shared yet")
		}
		for _, c := range all {
			fmt.Fprintf(e.stdout, "%s  %-8s  %s → %s, %s, hết hạn / expires %s\n", c.Consent.ID, c.State, c.Consent.GivenAt.Local().Format(viDateTime),
				c.Consent.Recipient.Agency, c.Consent.Purpose.Text.VI, c.Consent.Expires.Local().Format(viDateTime))
			for _, f := range c.Consent.Fields {
				mark := ""
				if f.Sensitive {
					mark = " [nhạy cảm / sensitive]"
				}
				fmt.Fprintf(e.stdout, "    %s.%s (%s)%s\n", f.Type, f.Claim, f.RecordID, mark)
			}
			for _, u := range c.Uses {
				fmt.Fprintf(e.stdout, "    đã dùng / used %s tại / at %s %s\n", u.At.Local().Format(viDateTime), u.Counter.Agency, u.Counter.CounterID)
			}
		}
		return nil
	})
}

func cmdRevoke(e *env, args []string) error {
	if len(args) != 1 {
		return cli.Usagef("cách dùng / usage: walletctl revoke <consent id>")
	}
	return e.withStore(func(s wallet.Store) error {
		h, err := wallet.OpenConsentHistory(e.ctx, s)
		if err != nil {
			return err
		}
		if err := h.Revoke(e.ctx, args[0], e.now()); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "Đã thu hồi / revoked %s; kho dữ liệu sẽ biết ở lần đồng bộ sau / the warehouse learns it at the next sync\n", args[0])
		return nil
	})
}
