//go:build cgo

package main

import (
	"github.com/vnwallet/citizenwallet/sync/warehouse"
	"github.com/vnwallet/citizenwallet/sync/warehouse/pkcs11keys"
)

// openHSM opens the PKCS#11 token that holds the province's keys.
func openHSM(module, token, pin string) (warehouse.KeyStore, func() error, error) {
	st, err := pkcs11keys.Open(pkcs11keys.Config{Module: module, TokenLabel: token, PIN: pin})
	if err != nil {
		return nil, nil, err
	}
	return st, st.Close, nil
}
