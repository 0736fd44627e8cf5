//go:build !cgo

package main

import (
	"errors"

	"github.com/vnwallet/citizenwallet/sync/warehouse"
)

// openHSM: a PKCS#11 client needs cgo (it loads the vendor's library).
func openHSM(module, token, pin string) (warehouse.KeyStore, func() error, error) {
	return nil, nil, errors.New("this warehouse was built without cgo: it cannot load a PKCS#11 module; build it with CGO_ENABLED=1")
}
