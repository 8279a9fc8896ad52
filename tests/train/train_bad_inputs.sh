#!/usr/bin/env bash
# train_bad_inputs.sh — bad training inputs: `nnmd train` and `nnmd check` must exit 1 with a
# first line "FILE:LINE:COL: error: MESSAGE" naming the data file or the train.toml line,
# and nothing may be written to the output folder (nor a staging folder left behind).
set -u
NNMD=${NNMD_BIN:?}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
pass=0; fail=0

frame() { # frame ENERGY_FIELD FORCE_X : one 2-atom H-O frame
  printf '2\nLattice="6 0 0 0 6 0 0 0 6" Properties=species:S:1:pos:R:3:forces:R:3 %s pbc="T T T"\n' "$1"
  printf 'O 1.0 1.0 1.0 %s 0.0 0.0\nH 1.9 1.2 1.0 0.1 0.0 0.0\n' "$2"
}
toml() { # toml DATA [extra model lines] [extra data lines]
  printf '[data]\ntrain = ["%s"]\n%s\n[model]\nelements = ["H", "O"]\ncutoff = 4.0\nhidden = [4]\n%s\n[training]\nepochs = 1\noutput = "out"\n' \
    "$1" "${3:-}" "${2:-}" > train.toml
}
expect() { # expect NAME LOCATION_PREFIX MESSAGE_PART
  for cmd in train check; do
    out=$("$NNMD" "$cmd" train.toml 2>&1 >/dev/null); rc=$?
    first=$(printf '%s\n' "$out" | grep -m1 'error')
    ok=1
    [ $rc -eq 1 ] || { echo "FAIL $1 ($cmd): exit $rc, expected 1"; ok=0; }
    case "$first" in "$2"*"$3"*) ;; *) echo "FAIL $1 ($cmd): got '$first', expected '$2...$3'"; ok=0;; esac
    [ -e out ] || [ -e out.partial ] && { echo "FAIL $1 ($cmd): output written"; ok=0; }
    if [ $ok -eq 1 ]; then pass=$((pass+1)); else fail=$((fail+1)); fi
  done
}

: > empty.extxyz; toml empty.extxyz
expect empty_data "empty.extxyz:1:" "empty data set"

{ frame "energy=-10.0" 0.3; frame "" 0.2; } > noe.extxyz; toml noe.extxyz
expect no_energy "noe.extxyz:6:" "has no energy"

{ frame "energy=-10.0" 0.3; printf '2\nLattice="6 0 0 0 6 0 0 0 6" Properties=species:S:1:pos:R:3:forces:R:3 energy=-9 pbc="T T T"\nO 1 1 1 0 0 0\nLi 2 2 2 0 0 0\n'; } > el.extxyz
toml el.extxyz
expect unknown_element "el.extxyz:6:" "element 'Li' (frame 1) is not in [model] elements"

{ frame "energy=-10.0" 0.3; frame "energy=-10.5" nan; } > nan.extxyz; toml nan.extxyz
expect nan_label "nan.extxyz:7:" "a force is not a finite number"

{ frame "energy=-10.0" 0.3; frame "energy=nan" 0.1; } > nane.extxyz; toml nane.extxyz
expect nan_energy "nane.extxyz:6:" "the energy is not a finite number"

printf 'begin\nlattice 6 0 0\nlattice 0 6 0\nlattice 0 0 6\natom 1 1 1 O 0 0 0.3 0 0\natom 1.9 1.2 1 H 0 0 0.1 0 0\nenergy -10\ncharge 0\nend\n' > input.data
toml input.data
expect n2p2_units "train.toml:2:" "n2p2 input.data, which does not record its units"

{ frame "energy=-10.0" 0.3; frame "energy=-10.5" 0.2; } > two.extxyz; toml two.extxyz "" "test_fraction = 0.9"
expect no_training_frame "train.toml:3:" "test_fraction = 0.9 leaves no training frame"

mkdir -p tmpl && printf 'number_of_elements 2\nelements H O\ncutoff_type 6 0.0\nscale_symmetry_functions\nglobal_hidden_layers_short 1\nglobal_nodes_short 3\nglobal_activation_short t l\nsymfunction_short H 2 O 0.5 0.0 4.0\nsymfunction_short O 2 H 0.5 0.0 4.0\n' > tmpl/input.nn
printf '1 1 0 1 0.5 0.2\n2 1 0 1 0.5 0.2\n' > tmpl/scaling.data
printf '[data]\ntrain = ["two.extxyz"]\n[model]\nelements = ["H", "O"]\ntemplate = "tmpl"\ninit = "template"\nlength_unit = "angstrom"\nenergy_unit = "eV"\n[training]\nepochs = 1\noutput = "out"\n' > train.toml
expect template_without_weights "train.toml:5:" "the template has no weights for H"

# issue 16: a periodic frame denser than matter, and one whose cell is thin in every direction,
# are refused before the pair search walks millions of periodic images (fuzzing class)
printf '2\nLattice="0.5 0 0 0 0.5 0 0 0 0.5" Properties=species:S:1:pos:R:3:forces:R:3 energy=-1 pbc="T T T"\nO 0.1 0.1 0.1 0 0 0\nH 0.3 0.3 0.3 0 0 0\n' > dense.extxyz
toml dense.extxyz
expect dense_frame "dense.extxyz:2:" "frame 0: 2 atoms in a cell of 0.125 A^3 (16 atoms per A^3, limit 5)"
printf '2\nLattice="100 0 0 0 100 0 100 100 0.05" Properties=species:S:1:pos:R:3:forces:R:3 energy=-1 pbc="T T T"\nO 1 1 0.01 0 0 0\nH 30 30 0.03 0 0 0\n' > oblique.extxyz
toml oblique.extxyz
expect oblique_frame "oblique.extxyz:2:" "frame 0: the cell is too thin or oblique for the cutoff 4 A (images 163 x 163 x 161 along a, b, c)"

printf '2\nLattice="6 0 0 0 6 0 0 0 6" Properties=species:S:1:pos:R:3:forces:R:3\nO 1 1 1 0 0 0\n' > trunc.extxyz; toml trunc.extxyz
expect truncated "trunc.extxyz:" "file ends inside a frame"

{ frame "energy=-10.0" 0.3; } > one.extxyz; toml one.extxyz "activation = \"tanhh\""
expect bad_activation "train.toml:" "[model] activation"

# Born-charge models ([model] kind = "bec")
bframe() { # bframe COLUMN COUNT : one 2-atom H-O frame with a Born-charge column of COUNT values
  local z1 z2; z1=$(printf ' 0.5%.0s' $(seq 1 "$2")); z2=$(printf ' -0.5%.0s' $(seq 1 "$2"))
  printf '2\nLattice="6 0 0 0 6 0 0 0 6" Properties=species:S:1:pos:R:3:%s:R:%s pbc="T T T"\n' "$1" "$2"
  printf 'O 1.0 1.0 1.0%s\nH 1.9 1.2 1.0%s\n' "$z2" "$z1"
}
btoml() { # btoml DATA [data lines]
  printf '[data]\ntrain = ["%s"]\n%s\n[model]\nkind = "bec"\nelements = ["H", "O"]\ncutoff = 4.0\nhidden = [4]\n[training]\nepochs = 1\noutput = "out"\n' \
    "$1" "${2:-}" > train.toml
}
{ bframe born_charges 9; bframe born_charges 9; } > z.extxyz; btoml z.extxyz
expect bec_no_index_order "train.toml:1:" "[data] index_order"
{ bframe born_charges 6; } > z6.extxyz; btoml z6.extxyz 'index_order = "field_first"'
expect bec_six_components "z6.extxyz:2:" "Born-charge column 'born_charges' has 6 values per atom"
{ bframe charges 9; bframe other 9; } > zn.extxyz; btoml zn.extxyz 'index_order = "field_first"'
expect bec_all_missing "train.toml:2:" "no frame has the Born-charge column 'born_charges'"
{ bframe born_charges 9; printf '2\nLattice="6 0 0 0 6 0 0 0 6" Properties=species:S:1:pos:R:3:born_charges:R:9 pbc="T T T"\nO 1 1 1 0 0 0 0 0 0 0 0 0\nLi 2 2 2 0 0 0 0 0 0 0 0 0\n'; } > zel.extxyz
btoml zel.extxyz 'index_order = "field_first"'
expect bec_unknown_element "zel.extxyz:6:" "element 'Li' (frame 1) is not in [model] elements"
btoml z.extxyz 'index_order = "field_first"'; sed -i 's/epochs = 1/epochs = 1\noptimizer = "kalman"/' train.toml
expect bec_kalman "train.toml:" "optimizer = \"kalman\" is not available for Born-charge models"

btoml z.extxyz 'index_order = "field_first"'; sed -i 's/^hidden = \[4\]/hidden = [4]\nbec_form = "charges"/' train.toml
expect bec_form_unknown "train.toml:" "bec_form"
btoml z.extxyz 'index_order = "field_first"'; sed -i 's/^hidden = \[4\]/hidden = [4]\nbec_form = "charge"\nbec_radial = 3/' train.toml
expect bec_form_charge_radial "train.toml:10:" "bec_form = \"charge\" has none"
{ frame "energy=-10.0" 0.3; } > one.extxyz; toml one.extxyz 'bec_form = "charge"'
expect bec_form_energy "train.toml:" "need kind = \"bec\""

# a template without elements: the elements (and, for a model made by nnmd train, the units) come
# from the template's input.nn; a missing template, or an n2p2 template without recorded units, is
# an error at the template line
btempl() { # btempl DIR : a BEC input on the template DIR, no elements, no units
  printf '[data]\ntrain = ["z.extxyz"]\nindex_order = "field_first"\n[model]\nkind = "bec"\ntemplate = "%s"\nhidden = [4]\n[training]\nepochs = 1\noutput = "out"\n' "$1" > train.toml
}
btempl nosuchdir
expect template_missing "train.toml:6:" "[model] template: cannot read"
btempl tmpl
expect template_no_units "train.toml:6:" "template needs length_unit and energy_unit"
mkdir -p tmplu && { printf '# nnmd_units length=angstrom energy=eV (test)\n'; cat tmpl/input.nn; } > tmplu/input.nn
cp tmpl/scaling.data tmplu/
btempl tmplu
out=$("$NNMD" check train.toml 2>&1); rc=$?
case "$rc:$out" in
  0:*"2 elements"*) pass=$((pass+1)) ;;
  *) echo "FAIL template_elements_units (check): exit $rc: $out"; fail=$((fail+1)) ;;
esac

echo "train bad inputs: $pass passed, $fail failed"
[ $fail -eq 0 ]
