#!/bin/sh
# Writes a Swift file naming the git commit of the checkout in $1 and whether it has changes
# (tracked or untracked files that are not ignored) to $2, replacing it only when it differs.
# Outside a git checkout, or without git, the commit is left unknown rather than failing the build.
set -u
source_dir=$1
output=$2
mkdir -p "$(dirname "$output")"
commit=$(git -C "$source_dir" rev-parse HEAD 2>/dev/null) || commit=""
dirty=false
if [ -n "$commit" ]; then
    changes=$(git --no-optional-locks -C "$source_dir" status --porcelain 2>/dev/null) || changes="?"
    [ -n "$changes" ] && dirty=true
    commit_literal="\"$commit\""
else
    commit_literal=nil
fi
temporary=$(mktemp "$output.XXXXXX") || exit 1
cat > "$temporary" <<SWIFT
// Generated at build time by Plugins/SourceRevision; not in the repository.
enum SourceRevision {
    static let commit: String? = $commit_literal
    static let dirty = $dirty
}
SWIFT
if cmp -s "$temporary" "$output"; then rm -f "$temporary"; else mv "$temporary" "$output"; fi
