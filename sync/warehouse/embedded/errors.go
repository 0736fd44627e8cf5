package embedded

import "github.com/vnwallet/citizenwallet/wallet"

var errInvalid = wallet.ErrInvalid
