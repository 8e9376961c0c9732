// Sigma rules: parsing, compiling and matching. (Being built.)
