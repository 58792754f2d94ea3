#!/usr/bin/env node
// The CLI lives in dist/ after `pnpm build`; this stub exists so the bin link is valid before the build.
import "../dist/door-client.js"
