// Package viewmodel holds the state and commands of the app's screens,
// with no widgets: it calls wallet (and later sync and crypto) and turns
// their errors into sentences in the user's language. Everything here is
// testable without a Fyne driver.
package viewmodel
