package views

import (
	"fyne.io/fyne/v2"
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
	if t.onTap != nil {
		t.onTap()
	}
}

func (t *tapArea) CreateRenderer() fyne.WidgetRenderer { return widget.NewSimpleRenderer(t.content) }
