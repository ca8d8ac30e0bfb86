#!/usr/bin/env node
// The `intake` command: the compiled CLI (built by `npm install`'s prepare step).
import { main } from "../dist/src/cli/index.js";
main(process.argv).then((code) => { process.exitCode = code; });
