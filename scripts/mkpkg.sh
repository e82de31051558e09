#!/bin/sh
# usage: scripts/mkpkg.sh <dir> <name> <tag> <private:true|false> <description>
set -e
dir=$1; name=$2; tag=$3; priv=$4; desc=$5
mkdir -p "$dir/src"
cat > "$dir/package.json" <<JSON
{
  "name": "$name",
  "version": "0.1.0",
  "description": "$desc",
  "private": $priv,
  "type": "module",
  "license": "MIT",
  "exports": {
    ".": {
      "@lorats/source": "./src/index.ts",
      "types": "./dist/index.d.ts",
      "import": "./dist/index.js"
    },
    "./package.json": "./package.json"
  },
  "main": "./dist/index.js",
  "types": "./dist/index.d.ts",
  "files": ["dist", "README.md", "LICENSE"],
  "sideEffects": false,
  "engines": { "node": ">=20" },
  "scripts": {
    "build": "tsc -p tsconfig.lib.json",
    "typecheck": "tsc -p tsconfig.json --noEmit",
    "lint": "eslint .",
    "test": "vitest run"
  },
  "nx": { "tags": ["$tag"] }
}
JSON
cat > "$dir/tsconfig.json" <<JSON
{
  "extends": "../../tsconfig.base.json",
  "compilerOptions": { "noEmit": true },
  "include": ["src/**/*.ts", "test/**/*.ts"]
}
JSON
cat > "$dir/tsconfig.lib.json" <<JSON
{
  "extends": "../../tsconfig.base.json",
  "compilerOptions": {
    "customConditions": [],
    "rootDir": "src",
    "outDir": "dist",
    "noEmit": false
  },
  "include": ["src/**/*.ts"],
  "exclude": ["src/**/*.test.ts"]
}
JSON
cat > "$dir/vitest.config.ts" <<TS
export { default } from '../../vitest.shared.ts';
TS
[ -f "$dir/src/index.ts" ] || echo "export {};" > "$dir/src/index.ts"
cp LICENSE "$dir/LICENSE" 2>/dev/null || true
