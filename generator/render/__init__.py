"""Stage 4, render: the model becomes Word and Excel documents, in the variant's templates."""
