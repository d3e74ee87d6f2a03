"""Looking into trained models: inference, digits, mistakes, comparisons, figures; uses engine and below."""
