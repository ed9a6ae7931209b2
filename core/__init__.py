"""What every app shares and no app owns; imports no other app of ours (see the README's "What is where")."""
