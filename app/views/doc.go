// Package views holds the app's screens: widgets only. Each screen takes a
// viewmodel and callbacks; no storage, network or crypto logic lives here.
package views
