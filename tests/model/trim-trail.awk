# Trim "spin -t -p" output to one line per step: step, task, model line, the
# Promela text of that line and the C function it models (the nearest
# "C: <file> <func>()" comment above it). Usage:
#   awk -v pml=model.pml -f trim-trail.awk spin-t-p.txt
# (model.pml: the preprocessed model that spin checked and replayed)
BEGIN {
	n = 0
	while ((getline line < pml) > 0) {
		src[++n] = line
		if (match(line, /C: [^ ]+ [a-z_0-9]+\(\)/))
			cfn = substr(line, RSTART + 3, RLENGTH - 3)
		# a comment naming a function covers the lines below it
		cref[n] = cfn
		if (line ~ /^}/)
			cfn = ""
	}
}
/^ *[0-9]+:[ \t]+proc +[0-9]+ terminates/ {
	printf "%5s %s#%s terminates\n", $1 + 0, "proc", $3
	next
}
/^ *[0-9]+:[ \t]+proc/ {
	step = $1; sub(/:/, "", step)
	if (step == last)
		next
	last = step
	task = $4
	gsub(/[()]/, "", task)
	sub(/:[0-9]+$/, "", task)
	task = task "#" $3
	ln = $0
	sub(/.*\.pml:/, "", ln); sub(/[^0-9].*/, "", ln)
	text = src[ln]
	gsub(/^[ \t]+|[ \t]+$/, "", text)
	gsub(/[ \t]+/, " ", text)
	if (length(text) > 70)
		text = substr(text, 1, 67) "..."
	printf "%5s %-16s l%-4s %-70s %s\n", step, task, ln, text, cref[ln]
	next
}
/assertion violated|START OF CYCLE|invalid end state|spin: trail ends/ { print }
