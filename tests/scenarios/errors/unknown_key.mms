# machine has no flavour.
machine flavour=x
