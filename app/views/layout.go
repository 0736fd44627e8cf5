package views

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/mobile"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// ReadableWidth is the widest a citizen screen grows: on a desktop
// window the screen stays a readable column in the middle instead of
// stretching lines and buttons across the monitor.
const ReadableWidth = 720

// Readable centres o and caps its width at ReadableWidth; a phone's
// screen is narrower and gets it whole.
func Readable(o fyne.CanvasObject) *fyne.Container {
	return &fyne.Container{Layout: readableLayout{}, Objects: []fyne.CanvasObject{o}}
}

type readableLayout struct{}

func (readableLayout) MinSize(objs []fyne.CanvasObject) fyne.Size {
	if len(objs) == 0 {
		return fyne.Size{}
	}
	return objs[0].MinSize()
}

func (readableLayout) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	for _, o := range objs {
		w := min(size.Width, max(ReadableWidth, o.MinSize().Width))
		o.Resize(fyne.NewSize(w, size.Height))
		o.Move(fyne.NewPos((size.Width-w)/2, 0))
	}
}

// tapArea makes a canvas object (the QR image) tappable.
type tapArea struct {
	widget.BaseWidget
	content fyne.CanvasObject
	onTap   func()
}

func newTapArea(content fyne.CanvasObject, onTap func()) *tapArea {
	t := &tapArea{content: content, onTap: onTap}
	t.ExtendBaseWidget(t)
	return t
}

// Tapped calls the action.
func (t *tapArea) Tapped(*fyne.PointEvent) {
	used()
	if t.onTap != nil {
		t.onTap()
	}
}

func (t *tapArea) CreateRenderer() fyne.WidgetRenderer { return widget.NewSimpleRenderer(t.content) }

// Used, when set, is called on the UI goroutine before the action of
// every button, check box, choice and tappable code of these screens:
// the citizen app counts taps as use, so its idle lock never fires under
// a citizen who is tapping (app.UI sets it).
var Used func()

func used() {
	if Used != nil {
		Used()
	}
}

func newButton(label string, tapped func()) *widget.Button {
	return widget.NewButton(label, func() {
		used()
		if tapped != nil {
			tapped()
		}
	})
}

func newButtonWithIcon(label string, icon fyne.Resource, tapped func()) *widget.Button {
	return widget.NewButtonWithIcon(label, icon, func() {
		used()
		if tapped != nil {
			tapped()
		}
	})
}

func newCheck(label string, changed func(bool)) *widget.Check {
	return widget.NewCheck(label, func(on bool) {
		used()
		if changed != nil {
			changed(on)
		}
	})
}

func newSelect(options []string, changed func(string)) *widget.Select {
	return widget.NewSelect(options, func(s string) {
		used()
		if changed != nil {
			changed(s)
		}
	})
}

// PINEntry is a PIN field: masked, and a number pad on phones (the
// keyboard a banking app shows).
type PINEntry struct{ widget.Entry }

func newPINEntry() *PINEntry {
	e := &PINEntry{}
	e.Password = true
	e.ExtendBaseWidget(e)
	return e
}

// Keyboard asks the phone for its number pad.
func (e *PINEntry) Keyboard() mobile.KeyboardType { return mobile.NumberKeyboard }

// vertical puts a form's labels above their fields: a phone's width goes
// to the field, and large text still fits.
func vertical(f *widget.Form) *widget.Form {
	f.Orientation = widget.Vertical
	return f
}

// buttonRow lays buttons out in one row of equal cells when they fit the
// width, else in as many columns as fit, down to one button a line: on
// a 360-point phone at large text the counter's actions stack instead
// of being clipped, and on a desktop they stay one row. Its MinSize is
// the widest button's width and, like a wrapping label's, the height at
// the width it was last laid out at.
func buttonRow(objs ...fyne.CanvasObject) *fyne.Container {
	return &fyne.Container{Layout: &buttonsLayout{}, Objects: objs}
}

type buttonsLayout struct {
	width float32 // of the last Layout; 0 before the first
}

// cell is the widest and the tallest of the visible objects.
func (*buttonsLayout) cell(objs []fyne.CanvasObject) (n int, cell fyne.Size) {
	for _, o := range objs {
		if !o.Visible() {
			continue
		}
		n++
		cell = cell.Max(o.MinSize())
	}
	return n, cell
}

// columns is how many cells fit width (all of them before a layout).
func (l *buttonsLayout) columns(n int, cell fyne.Size, width float32) int {
	if width <= 0 {
		return max(n, 1)
	}
	pad := theme.Padding()
	cols := int((width + pad) / (cell.Width + pad))
	return max(1, min(n, cols))
}

func (l *buttonsLayout) MinSize(objs []fyne.CanvasObject) fyne.Size {
	n, cell := l.cell(objs)
	if n == 0 {
		return fyne.Size{}
	}
	rows := (n + l.columns(n, cell, l.width) - 1) / l.columns(n, cell, l.width)
	return fyne.NewSize(cell.Width, float32(rows)*cell.Height+float32(rows-1)*theme.Padding())
}

func (l *buttonsLayout) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	l.width = size.Width
	n, cell := l.cell(objs)
	if n == 0 {
		return
	}
	pad := theme.Padding()
	cols := l.columns(n, cell, size.Width)
	w := (size.Width - float32(cols-1)*pad) / float32(cols)
	i := 0
	for _, o := range objs {
		if !o.Visible() {
			continue
		}
		row, col := i/cols, i%cols
		o.Move(fyne.NewPos(float32(col)*(w+pad), float32(row)*(cell.Height+pad)))
		o.Resize(fyne.NewSize(w, cell.Height))
		i++
	}
}
