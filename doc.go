// Package citizenwallet is the root of the citizen data wallet module: a
// Fyne app in which a citizen of a Vietnamese province keeps the records
// that agencies issued to them (identity, civil status, justice, health,
// education, social insurance), signed and encrypted on the device, and
// shares chosen fields of them with an official by a consent QR code.
//
// This package holds no code. Its test, deps_test.go, enforces the
// dependency direction of the module's packages on every platform the
// app ships to:
//
//	crypto/...  imports nothing of ours outside crypto
//	wallet/...  imports only wallet and crypto of ours
//	sync/...    imports only sync, wallet and crypto of ours
//	app/...     is imported only by app and cmd
//	fyne.io/... is reached only from app, assets and cmd
//	badger      is imported only by wallet/badgerstore and sync/warehouse
//	resty       is imported only by sync/client
//
// README.md maps the folders; DESIGN.md (kept beside the repository)
// explains the product.
package citizenwallet
