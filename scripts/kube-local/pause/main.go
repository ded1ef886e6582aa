// Command pause is PID 1 of a pod sandbox, like Kubernetes' pause image: it holds the pod's
// namespaces open, reaps the zombies that get reparented to it, and exits 0 when asked to stop.
// Built with CGO_ENABLED=0 so the image needs nothing but this file.
package main

import (
	"os"
	"os/signal"
	"syscall"
)

func main() {
	signals := make(chan os.Signal, 8)
	signal.Notify(signals, syscall.SIGINT, syscall.SIGTERM, syscall.SIGCHLD)
	for sig := range signals {
		if sig != syscall.SIGCHLD {
			os.Exit(0)
		}
		// SIGCHLDs coalesce: one may stand for several exited children.
		for {
			var status syscall.WaitStatus
			pid, err := syscall.Wait4(-1, &status, syscall.WNOHANG, nil)
			if pid <= 0 || err != nil {
				break
			}
		}
	}
}
