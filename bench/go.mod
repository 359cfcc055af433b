module github.com/dokukit/dokukit/bench

go 1.26.0

require github.com/dokukit/dokukit v0.0.0

replace github.com/dokukit/dokukit => ../
