package viewmodel

import (
	"context"
	"errors"
	"net"
	"net/url"
	"strings"
	"time"

	"fyne.io/fyne/v2/lang"

	"github.com/vnwallet/citizenwallet/crypto/trust"
	"github.com/vnwallet/citizenwallet/sync/client"
)

// ChangePIN replaces the open profile's PIN. The old PIN is checked (and
// throttled) as at unlock; no record is rewritten.
func (w *Wallet) ChangePIN(oldPIN, newPIN, confirm string) error {
	s, err := w.open()
	if err != nil {
		return errors.New(ErrorText(err))
	}
	if err := ValidPIN(newPIN); err != nil {
		return err
	}
	if newPIN != confirm {
		return errors.New(lang.L("The two PINs are not the same."))
	}
	if err := s.ChangePIN(context.Background(), []byte(oldPIN), []byte(newPIN)); err != nil {
		return errors.New(ErrorText(err))
	}
	return nil
}

// WarehouseInfo is what the settings screen shows about the warehouse.
type WarehouseInfo struct {
	BaseURL string
	// RootKey is the province root key's thumbprint (RFC 7638), the trust
	// anchor every record is checked against; "" when none is set.
	RootKey string
	Demo    bool
}

// WarehouseInfo returns the configured warehouse.
func (w *Wallet) WarehouseInfo() WarehouseInfo {
	w.mu.Lock()
	defer w.mu.Unlock()
	info := WarehouseInfo{BaseURL: w.wh.BaseURL, Demo: w.wh.DemoCode != nil}
	if w.wh.RootKey != nil {
		info.RootKey = w.wh.RootKey.KID()
	}
	return info
}

// ChangeWarehouseAddress points the app at another address of the same
// province's warehouse (the province moved it, or a nearer mirror). The
// address is used only after it served a trust list signed by the root
// key the app already trusts, so a typo or a foreign server changes
// nothing. HTTPS is required except on this device (loopback).
func (w *Wallet) ChangeWarehouseAddress(ctx context.Context, address string) (string, error) {
	address = strings.TrimRight(strings.TrimSpace(address), "/")
	u, err := url.Parse(address)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return "", errors.New(lang.L("Enter the address as https://host/path."))
	}
	if u.Scheme == "http" {
		ip := net.ParseIP(u.Hostname())
		if u.Hostname() != "localhost" && (ip == nil || !ip.IsLoopback()) {
			return "", errors.New(lang.L("The warehouse must be reached over HTTPS."))
		}
	}
	w.mu.Lock()
	root := w.wh.RootKey
	w.mu.Unlock()
	if root == nil {
		return "", errors.New(lang.L("No province root key is configured."))
	}
	c, err := client.New(client.Config{BaseURL: address, RootKey: root, Attempts: 1, Timeout: 20 * time.Second})
	if err != nil {
		return "", errors.New(lang.L("Enter the address as https://host/path."))
	}
	signed, err := c.FetchTrustList(ctx)
	if err != nil {
		return "", errors.New(lang.L("Could not reach a warehouse at this address; nothing was changed.") + " (" + err.Error() + ")")
	}
	if _, err := trust.Verify(signed, root); err != nil {
		return "", errors.New(lang.L("This address does not serve the province's signed trust list; nothing was changed."))
	}
	w.mu.Lock()
	w.wh.BaseURL = address
	w.mu.Unlock()
	return address, nil
}
