// Command image writes a container image as a "docker save" tarball, which `ctr images import`
// (and so a kubelet's containerd) accepts, from layer tarballs built on this machine: there is
// no registry to pull a base from and no Docker to build with.
//
//	image -o out.tar -t name:tag [--layer file.tar]... [--entrypoint a,b] [--cmd a,b]
//	      [--env K=V]... [--user 1000] [--workdir /x]
package main

import (
	"flag"
	"fmt"
	"log"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// list is a flag that may be given more than once.
type list []string

func (l *list) String() string     { return strings.Join(*l, ",") }
func (l *list) Set(v string) error { *l = append(*l, v); return nil }

// words splits "a,b" into an argv; empty means "not set" so the image has none.
func words(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}

func main() {
	log.SetFlags(0)
	log.SetPrefix("image: ")
	var layers, env list
	out := flag.String("o", "", "the tarball to write")
	tag := flag.String("t", "", "the image's name:tag (containerd files it under docker.io/...)")
	entrypoint := flag.String("entrypoint", "", "comma-separated entrypoint")
	cmd := flag.String("cmd", "", "comma-separated command")
	user := flag.String("user", "", "user (uid or uid:gid) the container runs as")
	workdir := flag.String("workdir", "", "working directory")
	flag.Var(&layers, "layer", "an uncompressed layer tarball, applied in order (repeatable)")
	flag.Var(&env, "env", "K=V in the image's environment (repeatable)")
	flag.Parse()
	if *out == "" || *tag == "" || flag.NArg() != 0 {
		flag.Usage()
		log.Fatal("-o and -t are required")
	}
	ref, err := name.NewTag(*tag)
	if err != nil {
		log.Fatal(err)
	}

	img := empty.Image
	for _, path := range layers {
		layer, err := tarball.LayerFromFile(path)
		if err != nil {
			log.Fatalf("%s: %v", path, err)
		}
		if img, err = mutate.AppendLayers(img, layer); err != nil {
			log.Fatalf("%s: %v", path, err)
		}
	}
	img, err = mutate.Config(img, v1.Config{
		Entrypoint: words(*entrypoint),
		Cmd:        words(*cmd),
		Env:        env,
		User:       *user,
		WorkingDir: *workdir,
	})
	if err != nil {
		log.Fatal(err)
	}
	// empty.Image names no platform; containerd and the kubelet pick images by it.
	cf, err := img.ConfigFile()
	if err != nil {
		log.Fatal(err)
	}
	cf = cf.DeepCopy()
	cf.OS, cf.Architecture = "linux", "amd64"
	if img, err = mutate.ConfigFile(img, cf); err != nil {
		log.Fatal(err)
	}

	if err := tarball.WriteToFile(*out, ref, img); err != nil {
		log.Fatal(err)
	}
	// The config's digest is the image ID that containerd and crictl show; the manifest's is not,
	// as an import writes a manifest of its own.
	id, err := img.ConfigName()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%s %s\n", ref, id)
}
